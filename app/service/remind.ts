import { chatEffects, checkRunEffect, noticeEffect } from '../domain/effects.ts';
import type { StoredRequest } from '../domain/request.ts';
import { asVotes, recordedMembership } from '../domain/vote.ts';
import { AppError } from '../errors.ts';
import { decideUnderPolicies, keepSignals } from './decide-under-policies.ts';
import type { Ports } from './ports.ts';

type RemindPorts = Pick<Ports, 'ledger' | 'github' | 'now' | 'log' | 'metrics'>;

const quietly = (p: RemindPorts, what: string, id: string) => (err: unknown) => {
  if (!(err instanceof AppError && err.code === 'conflict'))
    p.log.error({ err, request: id }, `${what} failed`);
};

/**
 * Reminds the approvers of pending requests whose `remind_every` has passed since they were last
 * told: a new comment (on the request's pull request or commit, or its issue) that mentions those
 * who have not voted, and a chat message. The time of the reminder is saved with the reminder's
 * effects, in one transaction (under the request's lock, optimistically), so at most one reminder
 * per interval goes out across all instances, and a crash after the save still sends it.
 */
export async function remindDue(p: RemindPorts): Promise<void> {
  const { ledger, now } = p;
  for (const pending of await ledger.find.pendingRequests()) {
    // A request waiting on checks has not asked its approvers yet: nothing to remind them of.
    if (pending.decision.awaiting) continue;
    await escalateDue(p, pending).catch(quietly(p, 'escalating', pending.id));
    const every = pending.notice?.remindEverySeconds;
    if (!every || now() - (pending.notice!.remindedAt ?? pending.createdAt) < every * 1000) continue;
    await ledger
      .locked(pending.id, async () => {
        const r = await ledger.read(pending.id);
        const plan = r.notice!;
        if (r.status !== 'pending' || now() - (plan.remindedAt ?? r.createdAt) < every * 1000) return;
        plan.remindedAt = now();
        const n = plan.remindedAt;
        await ledger.save(r, {
          audit: [{ type: 'reminder', data: { remind_every_seconds: every } }],
          effects: [
            ...chatEffects(r.id, plan.webhooks, 'reminder', n),
            {
              kind: 'follow_up',
              key: `follow_up:${r.id}:reminder:${n}`,
              requestId: r.id,
              data: { what: 'reminder' },
            },
          ],
        });
      })
      .catch(quietly(p, 'reminding', pending.id));
  }
}

/** How long request `r` has waited at `at`, in whole seconds. */
const waited = (at: number, r: { createdAt: number }): number => Math.floor((at - r.createdAt) / 1000);

/**
 * Tells the approvers of an escalation that became due (`escalate.after` passed) that they may now
 * decide: the request is judged again (so the check run and the comment, edited in place, list
 * them), a new comment mentions them, and chat targets hear it; audited as `escalation`. Once per
 * escalation, across instances (saved under the request's lock with its effects).
 */
async function escalateDue(p: RemindPorts, peek: StoredRequest): Promise<void> {
  const { ledger, now } = p;
  const due = (r: StoredRequest) =>
    (r.terms?.requirements ?? [])
      .flatMap((q) => q.escalate ?? [])
      .filter(
        (e) => waited(now(), r) >= e.after_seconds && e.after_seconds > (r.notice?.escalatedAfter ?? -1),
      );
  if (peek.status !== 'pending' || !peek.notice || due(peek).length === 0) return;
  await ledger.locked(peek.id, async () => {
    const r = await ledger.read(peek.id);
    const fresh = due(r);
    if (r.status !== 'pending' || !r.notice || fresh.length === 0) return;
    const votes = await ledger.votes(r.id);
    const decided = await decideUnderPolicies(p, r, asVotes(votes), recordedMembership(votes));
    if (decided.decision.outcome === 'pending') r.decision = decided.decision;
    r.terms = decided.terms;
    keepSignals(r, decided.signals);
    const after = Math.max(...fresh.map((e) => e.after_seconds));
    r.notice.escalatedAfter = after;
    const users = [...new Set(fresh.flatMap((e) => e.users))];
    const teams = [...new Set(fresh.flatMap((e) => e.teams))];
    await ledger.save(r, {
      audit: [{ type: 'escalation', data: { after_seconds: after, users, teams } }],
      effects: [
        checkRunEffect(r.id),
        noticeEffect(r.id),
        ...chatEffects(r.id, r.notice.webhooks, 'reminder', -after),
        {
          kind: 'follow_up',
          key: `follow_up:${r.id}:escalation:${after}`,
          requestId: r.id,
          data: { what: 'escalation', users, teams },
        },
      ],
    });
  });
}
