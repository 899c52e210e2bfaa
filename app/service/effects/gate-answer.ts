import { repoOf } from '../../domain/claims.ts';
import type { Effect } from '../../domain/effects.ts';
import type { StoredRequest } from '../../domain/request.ts';
import type { StoredVote } from '../../domain/vote.ts';
import { approvalHolds } from '../approval-holds.ts';
import type { Ports } from '../ports.ts';

type GatePorts = Pick<Ports, 'ledger' | 'github' | 'log' | 'now' | 'metrics'>;

/** What GitHub shows with the answer of a decided gate: who decided, or why not. */
function commentOf(r: StoredRequest, votes: readonly StoredVote[]): string {
  const policies = r.decision.policies.join(', ') || 'none';
  const approvers = votes.filter((v) => v.decision === 'approve').map((v) => v.voterLogin);
  if (r.status === 'approved')
    return r.decision.auto || approvers.length === 0
      ? `jit-approvals: approved automatically (policies: ${policies})`
      : `jit-approvals: approved by ${approvers.join(', ')} (policies: ${policies})`;
  const why = r.decision.reasons.filter((x) => x.rule !== 'governing' || r.status === 'timed_out');
  const shown = (why.length > 0 ? why : r.decision.reasons).map((x) => x.message);
  return `jit-approvals: ${r.status.replace('_', ' ')}: ${shown.join('; ') || 'no policy approves it'}`;
}

/**
 * The answer a decided gate gives now: its decision, except that an approval must still hold when
 * it is sent (a late answer, a job joining later): not past the request's timeout, and approved by
 * today's policies with the votes that gave it. Otherwise the job is rejected, saying why.
 */
async function answerOf(
  p: GatePorts,
  r: StoredRequest,
): Promise<{ state: 'approved' | 'rejected'; comment: string; expired?: true }> {
  const votes = await p.ledger.votes(r.id);
  if (r.status !== 'approved') return { state: 'rejected', comment: commentOf(r, votes) };
  if (p.now() >= r.expiresAt)
    return {
      state: 'rejected',
      expired: true,
      comment: `jit-approvals: rejected: the approval of this run for environment ${r.gate!.environment} expired at ${new Date(r.expiresAt).toISOString()}; re-run the job to ask again`,
    };
  const held = await approvalHolds(p, r, r.decision, votes);
  if (!held.holds)
    return {
      state: 'rejected',
      comment: `jit-approvals: rejected: its approval no longer holds: ${held.why}`,
    };
  return { state: 'approved', comment: commentOf(r, votes) };
}

/**
 * Effect `gate_answer`: answers a job gate (a custom deployment protection rule): with the decision
 * (`key gate:<id>:decision`), or again for a job that joined the decided request (`data.joined`).
 * It is sent only while the attempt that asked is the run's latest: GitHub's answer names the run,
 * not the attempt, so an answer for an older attempt would decide for the jobs of the newer one
 * (checked when sent, not from a run-completed event that may never come). A try whose outcome is
 * unknown may have been taken: the run's pending deployments show whether the environment still
 * waits. What was sent is recorded (`gate_answered`); a request cancelled because its run ended is
 * not answered (nothing waits).
 */
export async function doGateAnswer(p: GatePorts, e: Effect): Promise<void> {
  const r = await p.ledger.read(e.requestId!);
  const gate = r.gate;
  if (!gate || r.status === 'pending') return;
  const joined = e.data.joined !== undefined;
  const record = async (data: Record<string, unknown>): Promise<void> => {
    const event = { type: 'gate_answered', data: { gate: gate.environment, run_id: gate.runId, ...data } };
    if (joined) return p.ledger.audit(event.type, r.id, event.data);
    await p.ledger.update(r.id, (fresh) => {
      if (!fresh.gate || fresh.gate.answered) return null;
      fresh.gate = { ...fresh.gate, answered: true };
      return { audit: [event] };
    });
  };
  if (r.status === 'cancelled') return record({ state: null, sent: false });
  const [owner, repo] = repoOf(r.claims);
  const run = await p.github.getRun(r.installationId, owner, repo, gate.runId);
  const attempt = Number(r.claims.run_attempt);
  if (!run || run.attempt !== attempt) {
    p.log.warn(
      { request: r.id, attempt, latest: run?.attempt ?? null },
      'a job gate was not answered: its run was re-run since (or is gone), and the answer would decide for another attempt',
    );
    return record({ sent: false, ...(run && { superseded_by_attempt: run.attempt }) });
  }
  const answer = await answerOf(p, r);
  if (
    e.attempts > 1 &&
    !(await p.github.gateWaiting(r.installationId, owner, repo, gate.runId, gate.environment))
  )
    return record({ ...answer, sent: true, confirmed: 'the environment no longer waits' });
  await p.github.reviewGate(r.installationId, owner, repo, gate.runId, {
    environment: gate.environment,
    state: answer.state,
    comment: answer.comment,
  });
  await record({ ...answer, sent: true });
}
