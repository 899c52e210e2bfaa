import type { CompiledPolicy } from './compiled.ts';
import { START, policyError } from './errors.ts';
import type { LoadResult } from './load.ts';

/** The repository of an organization whose `.approvals/` governs all its repositories. */
export const ORG_REPO = '.github';
/** What an organization policy's name is prefixed with in decisions, check runs and audit. */
export const ORG_PREFIX = 'org:';

/** A repository with no policies of its own (the `.github` repository, whose policies are the organization's). */
export const NO_REPO_POLICIES: LoadResult = { ok: false, errors: [], files: [] };

const none = (r: LoadResult): boolean => !r.ok && r.errors.every((e) => e.rule === 'no_policies');
const combined = new WeakMap<LoadResult, WeakMap<LoadResult, LoadResult>>();

/**
 * A repository's policies together with its organization's (from `<owner>/.github`), which come
 * first, named `org:<name>`, with their files named `<owner>/.github/<file>`. Every governing policy
 * must be satisfied, so organization policies only add requirements. An invalid organization set
 * fails the whole set (every request of the organization is denied, saying where); a missing one
 * (no `.github` repository, or no `.approvals/` in it) adds nothing. The same pair of sets gives the
 * same result object, so the policy index built for it is kept.
 *
 * @param locate how an organization file is named in errors and policies; default
 *   `<owner>/.github/<file>`. The CLI keeps the local paths of a checkout (and nothing is cached).
 */
export function withOrgPolicies(
  owner: string,
  org: LoadResult | null,
  repo: LoadResult,
  locate?: (file: string) => string,
): LoadResult {
  if (org === null || none(org)) return repo === NO_REPO_POLICIES ? noPolicies(owner) : repo;
  let byRepo = locate ? undefined : combined.get(org);
  if (!byRepo && !locate) combined.set(org, (byRepo = new WeakMap()));
  const known = byRepo?.get(repo);
  if (known) return known;
  const where = locate ?? ((file: string): string => `${owner}/${ORG_REPO}/${file}`);
  const files = [...org.files.map(where), ...repo.files];
  let result: LoadResult;
  if (!org.ok)
    result = {
      ok: false,
      errors: [
        ...org.errors.map((e) => ({ ...e, file: where(e.file) })),
        ...(repo.ok || none(repo) ? [] : repo.errors),
      ],
      files,
    };
  else {
    const orgPolicies = org.policies.map((p): CompiledPolicy => ({
      ...p,
      name: `${ORG_PREFIX}${p.name}`,
      file: where(p.file),
    }));
    if (repo.ok) result = { ok: true, policies: [...orgPolicies, ...repo.policies], files };
    else if (repo === NO_REPO_POLICIES || none(repo)) result = { ok: true, policies: orgPolicies, files };
    else result = repo;
  }
  byRepo?.set(repo, result);
  return result;
}

const noPolicies = (owner: string): LoadResult => ({
  ok: false,
  errors: [
    policyError(
      `${owner}/${ORG_REPO}/.approvals`,
      START,
      'no_policies',
      `no policy files in ${owner}/${ORG_REPO}/.approvals/`,
      "commit the organization's policies to .approvals/ on the default branch of its .github repository",
    ),
  ],
  files: [],
});

/** The rule of the error that denies every request of an owner whose mandatory org policies cannot be read. */
export const ORG_POLICIES_UNREADABLE = 'org_policies_unreadable';

/**
 * For an owner whose organization policies are mandatory (MANDATORY_ORG_POLICIES): the failed set
 * that denies every request while `<owner>/.github/.approvals/` cannot be read (`org` null: the
 * repository cannot be read, as when the installation does not cover it; or no policy files in
 * it), saying how to fix it. Null when the organization's policies were read (valid or not: an
 * invalid set denies by itself, citing its errors).
 */
export function unreadableOrgPolicies(
  owner: string,
  org: LoadResult | null,
): Extract<LoadResult, { ok: false }> | null {
  if (org !== null && !none(org)) return null;
  const repo = `${owner}/${ORG_REPO}`;
  const what =
    org === null
      ? `the app cannot read ${repo} (it is not installed there, or there is no such repository)`
      : `${repo} has no policy files in .approvals/ on its default branch`;
  return {
    ok: false,
    errors: [
      policyError(
        `${repo}/.approvals`,
        START,
        ORG_POLICIES_UNREADABLE,
        `the organization policies of ${owner} are mandatory (MANDATORY_ORG_POLICIES), but ${what}`,
        `install the app on ${repo} and commit .approvals/ there (the organization's policies, on its default branch)`,
      ),
    ],
    files: [],
  };
}
