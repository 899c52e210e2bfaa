import { resolve } from 'node:path';
import { loadPolicies, type LoadResult } from '../policy/load.ts';
import { NO_REPO_POLICIES, withOrgPolicies } from '../policy/org-policies.ts';
import type { Io } from './io.ts';
import { readYamlDir } from './read-dir.ts';

/** The policies in `dir`; with `file: true`, `dir` may also be one policy file. */
export async function loadPolicyDir(
  dir: string,
  { file = false, optional = false } = {},
): Promise<LoadResult> {
  return loadPolicies(await readYamlDir(dir, { file, optional }), dir);
}

/** Whether two paths name the same directory or file (`--org-policies .approvals` in `.github`). */
export const samePath = (a: string, b: string): boolean => resolve(a) === resolve(b);

/** A set that holds nothing but "no policy files": an organization set that adds nothing. */
export const noPolicies = (r: LoadResult): boolean =>
  !r.ok && r.errors.length > 0 && r.errors.every((e) => e.rule === 'no_policies');

/**
 * Organization files keep the local paths of the checkout given to `--org-policies`, so that an
 * error can be opened where it is; the app names them `<owner>/.github/<file>` instead. With the
 * paths kept, the owner `withOrgPolicies` takes names nothing the CLI prints.
 */
const LOCAL = (file: string): string => file;
const OWNER = 'org';

export interface PolicySet {
  /** The policies that govern the repository: the organization's (`org:<name>`) first. */
  result: LoadResult;
  /** The organization's set alone, when `--org-policies` was given. */
  org?: LoadResult;
  /** The repository's own set, when it was loaded (not when `dir` is the organization's). */
  repo?: LoadResult;
}

/**
 * The policies a repository's `dir` runs under, with those of its organization in `orgDir` (a
 * checkout of `<owner>/.github/.approvals`) as the app combines them. `orgDir` the same as `dir`:
 * the `.github` repository itself, governed by the organization set alone. An `orgDir` with no
 * policy files adds nothing, and says so on stderr.
 *
 * @param optional the repository directory may be missing (then the organization set governs alone).
 */
export async function loadPolicySet(
  dir: string,
  orgDir: string | undefined,
  io: Io,
  { file = false, optional = false } = {},
): Promise<PolicySet> {
  if (orgDir === undefined) {
    const repo = await loadPolicyDir(dir, { file });
    return { result: repo, repo };
  }
  const org = await loadPolicyDir(orgDir, { file });
  if (samePath(dir, orgDir)) {
    // Only "no policy files", named by the directory given rather than `<owner>/.github`.
    const result = noPolicies(org) ? org : withOrgPolicies(OWNER, org, NO_REPO_POLICIES, LOCAL);
    return { result, org };
  }
  if (noPolicies(org)) io.stderr(`warning: no policy files in ${orgDir}: the organization adds no policies`);
  const repo = await loadPolicyDir(dir, { file, optional });
  return { result: withOrgPolicies(OWNER, org, repo, LOCAL), org, repo };
}
