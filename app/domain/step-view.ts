import type { RequestView } from './step-contract.ts';
import type { Leg } from './leg.ts';
import type { StoredRequest } from './request.ts';
import type { StoredVote } from './vote.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * What the step sees: the request, its votes, and its own leg's token. `expires_in_seconds` is relative to
 * `now`, so a step whose clock differs from the app's still waits as long as the policy allows.
 */
export function stepView(
  r: StoredRequest,
  leg: Leg,
  now: number,
  serverUrl: string,
  votes: readonly StoredVote[] = [],
  pageUrl?: string,
): RequestView {
  const c = r.claims;
  const usable = r.status === 'approved' && leg.token && leg.token.revokedAt === null;
  return {
    id: r.id,
    status: r.status,
    version: r.version,
    action: r.action,
    repository: c.repository,
    run_id: c.run_id,
    run_attempt: c.run_attempt,
    job: r.job,
    job_name: leg.name,
    legs: r.legs.map((l) => ({ job_name: l.name, job_id: l.jobId })),
    decision: r.decision,
    check_run_url: r.checkRunId === null ? null : `${serverUrl}/${c.repository}/runs/${r.checkRunId}`,
    page_url: pageUrl ? `${pageUrl}/requests/${r.id}` : null,
    break_glass: r.decision.break_glass !== undefined,
    approvers: r.decision.requirements.flatMap((q) => q.approved_by).filter((v, i, a) => a.indexOf(v) === i),
    votes: votes.map((v) => ({ login: v.voterLogin, decision: v.decision, comment: v.comment ?? null })),
    ignored: r.ignoredVotes.map((v) => ({ login: v.login, reason: v.reason })),
    created_at: iso(r.createdAt),
    expires_at: iso(r.expiresAt),
    expires_in_seconds: Math.max(0, Math.round((r.expiresAt - now) / 1000)),
    decided_at: r.decidedAt === null ? null : iso(r.decidedAt),
    token: usable
      ? { jwe: leg.token!.jwe, expires_at: iso(leg.token!.revokeAt), permissions: leg.token!.permissions }
      : null,
  };
}
