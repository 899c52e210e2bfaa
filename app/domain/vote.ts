import { actorsOf, type Vote } from '../policy/request.ts';
import { toApprovalRequest, type StoredRequest } from './request.ts';
export interface StoredVote {
  requestId: string;
  voterId: number;
  voterLogin: string;
  decision: 'approve' | 'deny';
  at: number;
  /** Teams (`org/slug`) the voter was an active member of when voting. */
  teams: string[];
  /** What the voter wrote with the vote (a `/approve` comment); buttons carry none. */
  comment?: string | null;
  /** The webhook delivery (click) that recorded it. */
  delivery?: string;
}

export const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Whether `sender` is the request's actor: the account that started the run or re-ran it (by id),
 * or an account holding either's login (failing closed where a login changed hands).
 */
export function isActor(r: StoredRequest, sender: { id: number; login: string }): boolean {
  const actors = actorsOf(toApprovalRequest(r));
  return actors.ids.includes(sender.id) || actors.logins.some((l) => same(l, sender.login));
}

/** Stored votes as the engine counts them: by the voter's account id, with its login then. */
export const asVotes = (votes: readonly StoredVote[]): Vote[] =>
  votes.map((v) => ({ user: v.voterLogin, id: v.voterId, decision: v.decision }));

/** Membership of the teams votes were counted under, from the votes as recorded. */
export function recordedMembership(votes: readonly StoredVote[]): Record<string, string[]> {
  const membership: Record<string, string[]> = {};
  for (const v of votes) for (const t of v.teams) (membership[t] ??= []).push(v.voterLogin);
  return membership;
}

/** A vote as read from its webhook delivery: a click on a check run, or a comment command. */
export interface VoteInput {
  /** The request, by its check run (a button) or its id (a comment command). */
  checkRunId?: number;
  /**
   * For a button: the check run's `external_id`, the request's id, as the app made it. It finds the
   * request when the app has not saved the check run's id yet (GitHub's answer lost in a crash).
   */
  checkRunExternalId?: string | undefined;
  requestId?: string;
  /** The repository the webhook names (`repository.id`). */
  repositoryId: string;
  /** For a button: the app the check run belongs to (`check_run.app.id`). */
  appId?: number | undefined;
  /** The button or command: `approve` or `deny`. */
  identifier: string;
  sender: { id: number; login: string };
  deliveryId: string;
  /** What the voter wrote with the vote (comment commands); buttons carry none. */
  comment?: string | null;
  /** A comment command: where its 👍 goes once it counted (the `reaction` effect's data). */
  reactTo?: Record<string, unknown>;
}

/** Whether a vote counted, and why not when it did not. */
export type VoteResult = { counted: true } | { counted: false; reason: string };
