import type { Level } from '../policy/permissions.ts';
import type { ApprovalRequest } from '../policy/request.ts';
import { workflowPath, workflowRefMismatch } from './claims.ts';
import type { Decision } from '../policy/decision.ts';
import type { Signals } from '../policy/evidence.ts';
import type { RunClaims } from './claims.ts';
import type { Leg } from './leg.ts';
import type { NoticePlan } from './notice-plan.ts';
import type { Terms } from './terms.ts';

export type RequestStatus = 'pending' | 'approved' | 'denied' | 'timed_out' | 'cancelled';
export const FINAL: readonly RequestStatus[] = ['approved', 'denied', 'timed_out', 'cancelled'];

export interface StoredRequest {
  id: string;
  /** repository_id:run_id:run_attempt:job:action:environment — one approval per job (and matrix). */
  key: string;
  installationId: number;
  claims: RunClaims;
  /** The job key (GITHUB_JOB) of the steps that share this request. */
  job: string;
  action: string;
  /** The first leg's reason: what reviewers read. */
  reason: string | null;
  /** The step asked for an emergency override of freezes and windows (`break_glass`). */
  emergency?: boolean;
  /**
   * Approved through a break-glass override: the number of its post-incident review issue, or
   * null until GitHub has taken it (the app keeps trying).
   */
  breakGlassIssue?: number | null;
  requestedPermissions: Record<string, Level> | null;
  /** The commit the check run is on: the PR head for pull_request runs. */
  headSha: string;
  status: RequestStatus;
  decision: Decision;
  /** Fixed when the request is first shown (pending); null for requests decided at once. */
  terms: Terms | null;
  checkRunId: number | null;
  /**
   * When GitHub made its check run, by GitHub's clock (its `started_at`, whole seconds): a comment
   * command counts only if it was written (GitHub's `created_at`) at or after this.
   */
  shownAt?: number;
  createdAt: number;
  expiresAt: number;
  decidedAt: number | null;
  /** The steps waiting on it, in the order they asked; the first made it. */
  legs: Leg[];
  /** How its approvers are told (comment, issue, chat) and what was posted; null: not at all. */
  notice: NoticePlan | null;
  /** Clicks that changed nothing: who, why, and the delivery that brought each. Shown on the check run. */
  ignoredVotes: { login: string; reason: string; at: number; delivery?: string }[];
  /** How many clicks were ignored in all (the list keeps the newest only). */
  ignoredTotal?: number;
  /**
   * How far the check run on GitHub is behind the request: `wanted` counts the changes reviewers
   * should see, `shown` the last of them GitHub accepted. While they differ the sweep sends the
   * view again (from `retryAt`, later after each of its `failures`). Absent: nothing changed since
   * the check run was made.
   */
  checkRunSync?: CheckRunSync;
  /**
   * A job gate (a deployment protection rule's request, with no legs): the environment and run it
   * answers for, and whether GitHub took the answer. A decided gate not answered is sent by the
   * sweep.
   */
  gate?: { environment: string; runId: number; answered: boolean };
  /**
   * The live evidence about its commit read for its decisions (auto_approve's evidence keys): read
   * once, kept here, and read again only for checks that finished. Absent: none was needed.
   */
  signals?: Signals;
  /** How many times its checks were read again while it waited on them (at most `MAX_CHECK_READS`). */
  checkReads?: number;
  version: number;
}

export interface CheckRunSync {
  wanted: number;
  shown: number;
  failures: number;
  retryAt: number;
}

/** What the engine judges: identity and context from verified claims, labels from the step. */
export function toApprovalRequest(
  r: Pick<StoredRequest, 'claims' | 'action' | 'reason' | 'requestedPermissions' | 'emergency'>,
): ApprovalRequest {
  const c: RunClaims = r.claims;
  const workflow = workflowPath(c);
  if (workflow === null) throw workflowRefMismatch(c);
  return {
    action: r.action,
    repository: c.repository,
    ref: c.ref,
    sha: c.sha,
    event: c.event_name,
    workflow,
    actor: c.actor,
    ...(c.triggering_actor !== undefined && { triggering_actor: c.triggering_actor }),
    ...(c.actor_id !== undefined && { actor_id: Number(c.actor_id) }),
    ...(c.triggering_actor_id !== undefined && { triggering_actor_id: Number(c.triggering_actor_id) }),
    ...(c.environment !== undefined && { environment: c.environment }),
    ...(r.reason !== null && { reason: r.reason }),
    ...(r.requestedPermissions !== null && { permissions: r.requestedPermissions }),
    ...(r.emergency && { emergency: true }),
  };
}

/** The pull request number of a `pull_request` run's merge ref (`refs/pull/42/merge`). */
export function pullNumber(claims: RunClaims): number | undefined {
  if (!claims.event_name.startsWith('pull_request')) return undefined;
  const m = /^refs\/pull\/(\d+)\/(merge|head)$/.exec(claims.ref);
  return m ? Number(m[1]) : undefined;
}

/** What a request is decided on under the policies (`decideUnderPolicies`). */
export type DecisionInput = Pick<
  StoredRequest,
  | 'claims'
  | 'action'
  | 'reason'
  | 'requestedPermissions'
  | 'installationId'
  | 'terms'
  | 'emergency'
  | 'signals'
>;

/** What a new request is beyond what it was decided on and its decision. */
export type Opening = Pick<StoredRequest, 'key' | 'job' | 'legs' | 'createdAt' | 'gate'>;

/** A request and the step (leg) that asks about it. */
export interface StepRef {
  request: StoredRequest;
  leg: Leg;
}
