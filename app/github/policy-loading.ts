import type { LoadResult } from '../policy/load.ts';
import { NO_REPO_POLICIES, ORG_REPO, withOrgPolicies } from '../policy/org-policies.ts';
import { call, statusOf } from './errors.ts';
import type { Installations, Kit } from './installations.ts';
import type { MandatoryOrgWatch } from './mandatory-orgs.ts';
import { PolicySource, type ContentsClient } from './policy-source.ts';

/** `.approvals/` read through the contents API, with conditional requests (see policy-source.ts). */
export function contentsOf(kit: Kit): ContentsClient {
  return {
    defaultBranch: async (o, r) =>
      (await kit.request('GET /repos/{owner}/{repo}', { owner: o, repo: r })).data.default_branch,
    get: async (o, r, path, ref, etag) => {
      try {
        const res = await kit.request('GET /repos/{owner}/{repo}/contents/{path}', {
          owner: o,
          repo: r,
          path,
          ref,
          headers: etag ? { 'if-none-match': etag } : {},
        });
        return { status: 200, etag: res.headers.etag, data: res.data };
      } catch (err) {
        if (statusOf(err) === 304) return { status: 304 };
        if (statusOf(err) === 404) return null;
        throw err;
      }
    },
  };
}

/**
 * A repository's policies with its organization's (`<owner>/.github/.approvals/`), cached for
 * POLICY_CACHE_SECONDS and dropped by a push; organizations without a `.github` the app can read
 * are remembered as long. Where the operator made an owner's organization policies mandatory, ones
 * that cannot be read deny.
 */
export class PolicyLoading {
  readonly #installations: Installations;
  readonly #mandatory: MandatoryOrgWatch;
  readonly #source: PolicySource;
  readonly #now: () => number;
  readonly #maxAgeMs: number;
  /** Organizations found to have no `.github` repository the app can read, and when (epoch ms). */
  readonly #orgMissing = new Map<string, number>();

  constructor(
    installations: Installations,
    mandatory: MandatoryOrgWatch,
    o: { now: () => number; maxAgeMs: number },
  ) {
    this.#installations = installations;
    this.#mandatory = mandatory;
    this.#now = o.now;
    this.#maxAgeMs = o.maxAgeMs;
    this.#source = new PolicySource({ maxAgeMs: o.maxAgeMs, now: o.now });
  }

  async load(installationId: number, owner: string, repo: string, ownerId?: number): Promise<LoadResult> {
    const isOrgRepo = repo.toLowerCase() === ORG_REPO;
    const contents = contentsOf(await this.#installations.kit(installationId));
    const [own, org] = await call(`reading the policies of ${owner}/${repo}`, () =>
      Promise.all([
        this.#source.load(contents, owner, repo),
        isOrgRepo ? null : this.#orgPolicies(contents, owner),
      ]),
    );
    // The .github repository's own policies are the organization's: named as such, once.
    if (isOrgRepo) return withOrgPolicies(owner, own, NO_REPO_POLICIES);
    const ref = { login: owner, id: ownerId };
    const unreadable = this.#mandatory.applies(ref) ? this.#mandatory.note(installationId, ref, org) : null;
    return unreadable ?? withOrgPolicies(owner, org, own);
  }

  /** `<owner>/.github/.approvals/` through the caches (null: no `.github` the app can read). */
  async readOrg(installationId: number, owner: string): Promise<LoadResult | null> {
    const contents = contentsOf(await this.#installations.kit(installationId));
    return call(`reading the organization policies of ${owner}`, () => this.#orgPolicies(contents, owner));
  }

  /** `.approvals/` at any commit (the policy check on pull requests and pushes). */
  async at(
    installationId: number,
    owner: string,
    repo: string,
    ref: string,
    opts?: { unlessAsOnDefault?: boolean },
  ): Promise<LoadResult | null> {
    const contents = contentsOf(await this.#installations.kit(installationId));
    return call(`reading the policies of ${owner}/${repo} at ${ref}`, () =>
      this.#source.loadAt(contents, owner, repo, ref, opts),
    );
  }

  invalidate(owner: string, repo: string): void {
    this.#source.invalidate(owner, repo);
    if (repo.toLowerCase() === ORG_REPO) this.#orgMissing.delete(owner.toLowerCase());
  }

  async #orgPolicies(contents: ContentsClient, owner: string): Promise<LoadResult | null> {
    const key = owner.toLowerCase();
    const missingAt = this.#orgMissing.get(key);
    if (missingAt !== undefined && this.#now() - missingAt < this.#maxAgeMs) return null;
    try {
      const result = await this.#source.load(contents, owner, ORG_REPO);
      this.#orgMissing.delete(key);
      return result;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      this.#orgMissing.set(key, this.#now());
      return null;
    }
  }
}
