import { workflowShown } from '../domain/claims.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { StoredVote } from '../domain/vote.ts';

/** What approvers are told about a request, whatever the channel: one model, several renderers. */
export interface Notice {
  id: string;
  status: StoredRequest['status'];
  action: string;
  repository: string;
  ref: string;
  environment: string | null;
  workflow: string;
  event: string;
  actor: string;
  /** Who re-ran the run, when not the actor. */
  rerunBy: string | null;
  reason: string | null;
  jobs: string[];
  /** Users and teams who may still decide (approvals still missing), without the actors. */
  waitingFor: { users: string[]; teams: string[] };
  /** Approvals still needed in all. */
  remaining: number;
  votes: { login: string; decision: 'approve' | 'deny'; comment: string | null }[];
  /** Why it ended as it did (for denied, timed out, cancelled). */
  why: string | null;
  expiresAt: string;
  checkRunUrl: string | null;
  /** An emergency (break-glass) override of freezes or windows is asked for, or was granted. */
  breakGlass: boolean;
  /** The request's page at the app (null: sign-in not configured). */
  pageUrl: string | null;
  runUrl: string;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const lower = (s: string): string => s.toLowerCase();

/** The notice of a request as stored, with its votes. */
export function noticeOf(
  r: StoredRequest,
  votes: readonly StoredVote[],
  serverUrl: string,
  pageUrl?: string,
): Notice {
  const c = r.claims;
  const actors = new Set([c.actor, c.triggering_actor ?? c.actor].map(lower));
  const voted = new Set(votes.map((v) => lower(v.voterLogin)));
  const open = r.decision.requirements.filter((q) => q.remaining > 0);
  const users = open.flatMap((q) =>
    q.approvers.users.filter((u) => !voted.has(lower(u)) && (q.self_approval || !actors.has(lower(u)))),
  );
  const reasons = r.decision.reasons.filter((x) => x.rule !== 'governing' && x.rule !== 'token');
  return {
    id: r.id,
    status: r.status,
    action: r.action,
    repository: c.repository,
    ref: c.ref,
    environment: c.environment ?? null,
    workflow: workflowShown(c),
    event: c.event_name,
    actor: c.actor,
    rerunBy: c.triggering_actor && lower(c.triggering_actor) !== lower(c.actor) ? c.triggering_actor : null,
    reason: r.reason,
    jobs: r.legs.map((l) => l.name),
    waitingFor: {
      users: [...new Map(users.map((u) => [lower(u), u])).values()],
      teams: [...new Set(open.flatMap((q) => q.approvers.teams))],
    },
    remaining: open.reduce((n, q) => n + q.remaining, 0),
    votes: votes.map((v) => ({ login: v.voterLogin, decision: v.decision, comment: v.comment ?? null })),
    why: r.status === 'pending' || r.status === 'approved' ? null : (reasons.at(-1)?.message ?? null),
    expiresAt: iso(r.expiresAt),
    checkRunUrl: r.checkRunId === null ? null : `${serverUrl}/${c.repository}/runs/${r.checkRunId}`,
    breakGlass: r.decision.break_glass !== undefined,
    pageUrl: pageUrl ? `${pageUrl}/requests/${r.id}` : null,
    runUrl: `${serverUrl}/${c.repository}/actions/runs/${c.run_id}/attempts/${c.run_attempt}`,
  };
}
