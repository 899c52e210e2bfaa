import type { Level } from './permissions.ts';

/**
 * What a step asks for, with its context. In the app every context field comes from the
 * verified OIDC token; `action`, `reason` and `permissions` are labels chosen by the workflow.
 */
export interface ApprovalRequest {
  action: string;
  repository: string;
  ref: string;
  sha?: string;
  /** `event_name` claim, e.g. `push`. */
  event: string;
  /** Deployment environment of the job; absent when the job has none. */
  environment?: string;
  /** Workflow file path: the path part of `workflow_ref`, e.g. `.github/workflows/deploy.yml`. */
  workflow: string;
  /** Login that started the run (on a re-run: the original actor). */
  actor: string;
  /**
   * Login that started this attempt (`triggering_actor`): on a re-run, whoever re-ran it. Both
   * logins count as the actor: `match.actor` globs must match both, and neither may approve
   * without `self_approval`. Absent: the same as `actor`.
   */
  triggering_actor?: string;
  /** The account ids of `actor` and `triggering_actor`, where known (the app always knows them). */
  actor_id?: number;
  triggering_actor_id?: number;
  reason?: string;
  /** How long the request has waited, in seconds (for `escalate`); absent: it has not. */
  waited_seconds?: number;
  /**
   * The step asks for an emergency override (`emergency: true`, with a reason): where only freezes
   * and windows deny it, and every policy denying it allows `break_glass`, it waits for those
   * policies' break-glass approvers instead.
   */
  emergency?: boolean;
  /** Narrower permissions the step asks for; absent means all the policies allow. */
  permissions?: Readonly<Record<string, Level>>;
}

/**
 * Who counts as the request's actor: who started the run and who re-ran it, by login and, where the
 * app knows them, by account id. A vote is the actor's when either matches: an actor who renamed
 * their account to another login is still the actor.
 */
export interface Actors {
  logins: readonly string[];
  ids: readonly number[];
}

export const actorsOf = (
  r: Pick<ApprovalRequest, 'actor' | 'triggering_actor' | 'actor_id' | 'triggering_actor_id'>,
): Actors => ({
  logins:
    r.triggering_actor && r.triggering_actor.toLowerCase() !== r.actor.toLowerCase()
      ? [r.actor, r.triggering_actor]
      : [r.actor],
  ids: [r.actor_id, r.triggering_actor_id].filter((id): id is number => id !== undefined),
});

export interface Vote {
  /** Login of the voter, as GitHub named the account when it voted (policies list logins). */
  user: string;
  /** The voter's account id, where known (always, in the app): one account is one voter. */
  id?: number;
  decision: 'approve' | 'deny';
}

/** Active members of teams, by `org/team-slug`. Pending invitations must not be listed. */
export type Membership = Readonly<Record<string, readonly string[]>>;
