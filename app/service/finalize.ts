import { breakGlassEvent, brokeGlass } from '../domain/break-glass.ts';
import { chatEffects, checkRunEffect, noticeEffect, type EffectDue } from '../domain/effects.ts';
import type { RequestStatus, StoredRequest } from '../domain/request.ts';
import type { Decision } from '../policy/decision.ts';
import { decisionEvent } from './decision-event.ts';
import { countDecision } from './open.ts';
import type { Ports } from './ports.ts';

/** How long a decision's effects wait at most for the steps it resumes to have their tokens. */
export const STEPS_FIRST_MS = 2_000;

/** What a decided request owes the world: its check run, comment, chat, gate answer, review issue. */
export function decisionEffects(r: StoredRequest, dueAt?: number): EffectDue[] {
  const effects: EffectDue[] = [
    checkRunEffect(r.id),
    noticeEffect(r.id),
    ...chatEffects(r.id, r.notice?.webhooks ?? [], 'ended'),
    ...(r.gate ? [{ kind: 'gate_answer' as const, key: `gate:${r.id}:decision`, requestId: r.id }] : []),
    ...(brokeGlass(r) ? [{ kind: 'review_issue' as const, key: `review:${r.id}`, requestId: r.id }] : []),
  ];
  return dueAt === undefined ? effects : effects.map((e) => ({ ...e, dueAt }));
}

/**
 * Ends a pending request with a final status: the one transition out of `pending`, whatever decides
 * it (a vote, the timeout, a cancellation, a time rule). The decision is saved with its audit event
 * and every effect it owes the world. With `stepsFirst` (an approval with a token that steps are
 * waiting for), those effects wait until the steps have their tokens (`STEPS_FIRST_MS` at most):
 * between the deciding vote and the step's token, the mint is the one GitHub call. Tokens are
 * minted when each step asks (`grantLegs`). `effects`: more due with the decision (revocations of
 * the legs that ended with it). The caller holds the request's lock.
 */
export async function finalize(
  p: Pick<Ports, 'ledger' | 'now' | 'metrics' | 'log'>,
  r: StoredRequest,
  status: Exclude<RequestStatus, 'pending'>,
  decision: Decision,
  opts: { stepsFirst?: boolean; effects?: readonly EffectDue[] } = {},
): Promise<void> {
  r.status = status;
  r.decision = decision;
  r.decidedAt = p.now();
  const glass = brokeGlass(r);
  if (glass) r.breakGlassIssue = null; // the review issue is due
  const votes = glass ? await p.ledger.votes(r.id) : [];
  await p.ledger.save(r, {
    audit: [await decisionEvent(p.ledger, r), ...(glass ? [breakGlassEvent(r, votes)] : [])],
    effects: [
      ...decisionEffects(r, opts.stepsFirst ? p.now() + STEPS_FIRST_MS : undefined),
      ...(opts.effects ?? []),
    ],
  });
  countDecision(p, r);
  if (glass) {
    p.metrics.count('jit_break_glass_total', 'Requests approved through a break-glass override.');
    p.log.warn({ request: r.id, policies: decision.break_glass!.policies }, 'BREAK-GLASS override granted');
  }
  // The decision's id is its audit event: the line that names it joins the log to the audit.
  const event = await p.ledger.lastAuditEvent(r.id).catch(() => undefined);
  p.log.info({ request: r.id, status, policies: decision.policies, decision: event?.seq ?? null }, 'decided');
}
