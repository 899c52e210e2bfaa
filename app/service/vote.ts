import { AppError } from '../errors.ts';
import { evaluate } from '../policy/evaluate.ts';
import type { StoredRequest } from '../store/types.ts';
import { failClosed, type ApprovalService } from './approval-service.ts';
import { toApprovalRequest } from './request-input.ts';

export interface VoteInput {
  checkRunId: number;
  /** The button: `approve` or `deny`. */
  identifier: string;
  sender: { id: number; login: string };
  deliveryId: string;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

async function ignore(
  service: ApprovalService,
  r: StoredRequest,
  login: string,
  reason: string,
): Promise<void> {
  r.ignoredVotes.push({ login, reason, at: service.deps.now() });
  await service.deps.store.saveRequest(r);
  await service.audit('vote_ignored', r.id, { voter: login, reason });
  await service.refreshCheckRun(r);
}

/**
 * A reviewer clicked Approve or Deny. Authorizes the sender (listed user or active team member,
 * not the actor unless self-approval is allowed), records the vote and decides again.
 * Redelivered webhooks count once; votes on closed requests change nothing.
 */
export async function handleVote(service: ApprovalService, input: VoteInput): Promise<void> {
  const found = await service.deps.store.findByCheckRun(input.checkRunId);
  if (!found) return; // not one of ours
  if (!(await service.deps.store.firstDelivery(input.deliveryId))) return;
  // A save that loses to another writer is decided again on what that writer saved; the vote
  // recorded by the first try is not audited twice.
  const tried = { audited: false };
  for (let attempt = 1; ; attempt++) {
    try {
      return await service.locks.run(found.id, () => decideVote(service, input, found.id, tried));
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'conflict') || attempt === 3) throw err;
    }
  }
}

async function decideVote(
  service: ApprovalService,
  input: VoteInput,
  requestId: string,
  tried: { audited: boolean },
): Promise<void> {
  const { store, github, now } = service.deps;
  const r = (await store.getRequest(requestId))!;
  const { login, id } = input.sender;
  if (input.identifier !== 'approve' && input.identifier !== 'deny')
    return ignore(service, r, login, `unknown button "${input.identifier}"`);
  if (r.status !== 'pending')
    return ignore(service, r, login, `the request is already ${r.status.replace('_', ' ')}`);
  if (now() >= r.expiresAt) return service.timeOut(r); // not sweep(): it would wait on the lock held here
  const [owner, repo] = r.claims.repository.split('/') as [string, string];
  const policies = await github.loadPolicies(r.installationId, owner, repo);
  if (!policies.ok) return service.finalize(r, 'denied', failClosed(policies));
  const request = toApprovalRequest(r);
  const teams = [...new Set(policies.policies.flatMap((p) => (p.match(request) ? p.teams : [])))];
  const active: string[] = [];
  for (const team of teams) if (await github.isActiveMember(r.installationId, team, login)) active.push(team);
  const decision = input.identifier === 'approve' ? 'approve' : 'deny';
  const probe = evaluate(
    policies.policies,
    request,
    [{ user: login, decision }],
    Object.fromEntries(active.map((t) => [t, [login]])),
    now(),
  );
  const counted =
    probe.reasons.some((x) => x.rule === 'deny_vote') ||
    probe.requirements.some((q) => q.approved_by.some((l) => same(l, login)));
  if (!counted) {
    if (probe.outcome === 'denied' && probe.requirements.length === 0)
      return service.finalize(r, 'denied', probe); // a freeze or window now applies
    const self =
      same(login, r.claims.actor) || (r.claims.actor_id !== undefined && Number(r.claims.actor_id) === id);
    return ignore(
      service,
      r,
      login,
      self
        ? 'triggered the run, and self-approval is not allowed'
        : 'is not an eligible approver (not listed, and not an active member of a listed team)',
    );
  }
  await store.putVote({
    requestId: r.id,
    voterId: id,
    voterLogin: login,
    decision,
    at: now(),
    teams: active,
  });
  if (!tried.audited)
    await service.audit('vote', r.id, {
      voter: login,
      voter_id: id,
      decision,
      teams: active,
      delivery: input.deliveryId,
    });
  tried.audited = true;
  const votes = await store.votes(r.id);
  const membership: Record<string, string[]> = {};
  for (const v of votes) for (const t of v.teams) (membership[t] ??= []).push(v.voterLogin);
  const next = evaluate(
    policies.policies,
    request,
    votes.map((v) => ({ user: v.voterLogin, decision: v.decision })),
    membership,
    now(),
  );
  if (next.outcome === 'pending') {
    r.decision = next;
    if (!(await store.saveRequest(r)))
      throw new AppError('conflict', `request ${r.id} changed during a vote`);
    service.deps.waiters.notify(r.id);
    return service.refreshCheckRun(r);
  }
  return service.finalize(r, next.outcome, next);
}
