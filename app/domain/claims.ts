import type { OwnerRef } from '../config/owners.ts';
import { AppError } from '../errors.ts';

/** The verified OIDC claims a request was made with (strings, as GitHub sends them). */
export interface RunClaims {
  repository: string;
  repository_id: string;
  repository_owner: string;
  /** The owner's account id, where the token (or the webhook) carries it. */
  repository_owner_id?: string;
  ref: string;
  sha: string;
  event_name: string;
  environment?: string;
  workflow_ref: string;
  actor: string;
  actor_id?: string;
  /** Who started this attempt: on a re-run, whoever re-ran it (GitHub keeps `actor`). */
  triggering_actor?: string;
  /**
   * The account id of `triggering_actor`: GitHub's token names it by login only, so the app reads
   * it when the run was re-run by another account (for a job gate, from the run).
   */
  triggering_actor_id?: string;
  /** The commit of the workflow file (`workflow_sha`): where the job's definition is read. */
  workflow_sha?: string;
  /** The workflow that defines the job: differs from `workflow_ref` in a reusable workflow. */
  job_workflow_ref?: string;
  /**
   * The job's own id, where the issuer signs it into the token: then it is the job id, and a step
   * cannot claim another job's.
   */
  check_run_id?: string;
  run_id: string;
  run_attempt: string;
}

/**
 * The request's repository owner: who must own each chat target its notices go to, and whose
 * organization policies may be mandatory.
 */
export const ownerOf = (c: RunClaims): OwnerRef => ({
  login: c.repository_owner,
  id: c.repository_owner_id === undefined ? undefined : Number(c.repository_owner_id),
});

/**
 * The workflow file's path: `workflow_ref` (`owner/repo/.github/workflows/deploy.yml@refs/heads/main`)
 * without its owner and repository (which hold no `/`) and without exactly `@` + the token's `ref`
 * at its end. A ref may hold `@` itself (`refs/heads/hotfix@now`, `refs/tags/web@1.2.3`), so the
 * cut is never made at an `@` found by searching. Null when `workflow_ref` does not end so: the
 * claims disagree, and no path is guessed (the API refuses such a token).
 */
export function workflowPath(c: Pick<RunClaims, 'workflow_ref' | 'ref'>): string | null {
  const suffix = `@${c.ref}`;
  if (!c.workflow_ref.endsWith(suffix)) return null;
  const path = c.workflow_ref.slice(0, -suffix.length).replace(/^[^/]+\/[^/]+\//, '');
  return path === c.workflow_ref.slice(0, -suffix.length) ? null : path;
}

/** The workflow as shown to people: its path, or the whole `workflow_ref` where none can be cut. */
export const workflowShown = (c: Pick<RunClaims, 'workflow_ref' | 'ref'>): string =>
  workflowPath(c) ?? c.workflow_ref;

/**
 * A token whose `workflow_ref` does not end in `@` + its `ref`: which workflow runs cannot be told
 * without guessing, and `match.workflow` (a freeze keyed on the workflow) must not be escaped by a
 * guess, so the request is refused.
 */
export function workflowRefMismatch(c: Pick<RunClaims, 'workflow_ref' | 'ref'>): AppError {
  return new AppError(
    'forbidden',
    `the token's claims disagree: workflow_ref "${c.workflow_ref}" does not end in "@" and its ref "${c.ref}", so the app cannot tell which workflow runs`,
  );
}

/** The owner and name of the request's repository (`repository` is `owner/name`). */
export const repoOf = (c: Pick<RunClaims, 'repository'>): [owner: string, repo: string] =>
  c.repository.split('/') as [string, string];

/**
 * The account that started the request's run attempt, by id: whoever re-ran it, else its actor.
 * Null when the claims name none by id.
 */
export const accountOf = (c: RunClaims): string | null => c.triggering_actor_id ?? c.actor_id ?? null;

/** The ref of a job gate of a fork's run: `refs/forks/<owner>/<repo>/<branch>` (never this repository's). */
export const forkRef = (headRepository: string, branch: string): string =>
  `refs/forks/${headRepository}/${branch}`;
export const isForkRef = (ref: string): boolean => ref.startsWith('refs/forks/');
