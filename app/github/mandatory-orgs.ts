import { isMandatory, type MandatoryOrgs } from '../config/mandatory-orgs.ts';
import type { OwnerRef } from '../config/owners.ts';
import { formatPolicyError } from '../policy/errors.ts';
import type { LoadResult } from '../policy/load.ts';
import { unreadableOrgPolicies } from '../policy/org-policies.ts';

/** A mandatory owner the app has seen: where it is installed, and what its last read found. */
export interface SeenOwner {
  installationId: number;
  login: string;
  id: number | undefined;
  /** Why its organization policies cannot be read (one line, with the fix); null: they can. */
  problem: string | null;
}

/** Reads `<owner>/.github/.approvals/` through the app's caches; null when the repository cannot be read. */
export type ReadOrgPolicies = (installationId: number, owner: string) => Promise<LoadResult | null>;

/**
 * The owners whose organization policies are mandatory (MANDATORY_ORG_POLICIES), as the app has
 * seen them: installations listed at start, and requests since. It keeps one entry per listed
 * owner seen (only listed owners are kept, so nobody else can make it grow), for `/readyz`, the
 * start-up log and the `jit_org_policies_unreadable` gauge.
 */
export class MandatoryOrgWatch {
  readonly list: MandatoryOrgs;
  readonly #seen = new Map<string, SeenOwner>();

  constructor(list: MandatoryOrgs) {
    this.list = list;
  }

  /** Whether any owner is listed at all. */
  get configured(): boolean {
    return this.list.logins.size > 0;
  }

  applies(owner: OwnerRef): boolean {
    return isMandatory(this.list, owner);
  }

  /**
   * Records what a read of a mandatory owner's organization policies found, and returns the set
   * that denies its requests while they cannot be read (null: they can).
   */
  note(installationId: number, owner: OwnerRef, org: LoadResult | null): LoadResult | null {
    const unreadable = unreadableOrgPolicies(owner.login, org);
    const known = this.#seen.get(owner.login.toLowerCase());
    this.#seen.set(owner.login.toLowerCase(), {
      installationId,
      login: owner.login,
      id: owner.id ?? known?.id,
      problem: unreadable ? formatPolicyError(unreadable.errors[0]!).replace('\n', ';') : null,
    });
    return unreadable;
  }

  /** Records a mandatory owner seen (an installation listed at start), to be read by `problems`. */
  remember(installationId: number, owner: OwnerRef): void {
    const key = owner.login.toLowerCase();
    if (!this.#seen.has(key))
      this.#seen.set(key, { installationId, login: owner.login, id: owner.id, problem: null });
  }

  seen(): SeenOwner[] {
    return [...this.#seen.values()];
  }

  /** How many mandatory owners seen could not have their organization policies read, when last read. */
  unreadable(): number {
    return this.seen().filter((s) => s.problem !== null).length;
  }

  /**
   * Reads again the organization policies of each mandatory owner seen (through the policy caches:
   * at most one read per listed owner), and returns the problems found. Never throws: an owner
   * whose read failed is reported as such.
   */
  async problems(read: ReadOrgPolicies): Promise<string[]> {
    await Promise.all(
      this.seen().map(async (s) => {
        const owner = { login: s.login, id: s.id };
        await read(s.installationId, s.login).then(
          (org) => this.note(s.installationId, owner, org),
          (err: unknown) =>
            this.#seen.set(s.login.toLowerCase(), {
              ...s,
              problem: `the organization policies of ${s.login} could not be read (${(err as Error).message})`,
            }),
        );
      }),
    );
    return this.seen().flatMap((s) => (s.problem === null ? [] : [s.problem]));
  }
}
