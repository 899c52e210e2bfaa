// Opening a request, for a step (create.ts) and for a job gate (gate.ts): the same record, the same
// notice, the same audit and metrics, and the effects that tell its approvers.
import { randomBytes } from 'node:crypto';
import { repoOf } from '../domain/claims.ts';
import { chatEffects, checkRunEffect, noticeEffect, type EffectDue } from '../domain/effects.ts';
import { planNotice } from '../domain/notice-plan.ts';
import { pullNumber, type DecisionInput, type Opening, type StoredRequest } from '../domain/request.ts';
import { termsOf } from '../domain/terms.ts';
import type { Decision } from '../policy/decision.ts';
import type { LoadResult } from '../policy/load.ts';
import { decisionEvent } from './decision-event.ts';
import type { Ports } from './ports.ts';

/**
 * What telling a pending request's approvers takes: its check run first, then its comment (or
 * issue), then its chat messages.
 */
export const announcement = (r: Pick<StoredRequest, 'id' | 'notice'>): EffectDue[] => [
  checkRunEffect(r.id),
  noticeEffect(r.id),
  ...chatEffects(r.id, r.notice?.webhooks ?? [], 'pending'),
];

/**
 * Stores the request `decision` decides, with its notice planned when it waits, the audit events
 * that record it (the policies' errors, `request` with `data`, and for one decided at once its
 * `decision`) and the effects `effects(r)` makes due, in one transaction, unless a request with its
 * key exists: then `created` is false and `request` is that one.
 */
export async function openRequest(
  p: Pick<Ports, 'ledger' | 'github' | 'metrics' | 'now'>,
  base: DecisionInput,
  decision: Decision,
  policies: LoadResult,
  o: Opening,
  effects: (r: StoredRequest) => EffectDue[],
  data: Record<string, unknown>,
): Promise<{ request: StoredRequest; created: boolean }> {
  const { claims, installationId } = base;
  const [owner, repo] = repoOf(claims);
  const pr = pullNumber(claims);
  const headSha =
    pr === undefined ? claims.sha : await p.github.pullRequestHead(installationId, owner, repo, pr);
  const governing = policies.ok ? policies.policies.filter((x) => decision.policies.includes(x.name)) : [];
  const notice =
    decision.outcome === 'pending'
      ? planNotice(
          governing,
          pr === undefined ? { kind: 'commit', sha: headSha } : { kind: 'pull', number: pr },
        )
      : null;
  const r: StoredRequest = {
    ...base,
    ...o,
    id: `req_${randomBytes(12).toString('hex')}`,
    headSha,
    status: decision.outcome,
    decision,
    terms: decision.outcome === 'pending' ? termsOf(decision) : null,
    checkRunId: null,
    expiresAt: o.createdAt + (decision.timeout_seconds ?? 3600) * 1000,
    decidedAt: decision.outcome === 'pending' ? null : o.createdAt,
    notice,
    ignoredVotes: [],
    version: 0,
  };
  const repository = r.claims.repository;
  const audit = [
    ...(policies.ok ? [] : [{ type: 'policy_error', data: { repository, errors: policies.errors } }]),
    { type: 'request', data: { repository, ...data } },
    ...(r.status === 'pending' ? [] : [await decisionEvent(p.ledger, r)]),
  ];
  const opened = await p.ledger.create(r, { audit, effects: effects(r) });
  if (opened.created) {
    p.metrics.count('jit_requests_total', 'Requests by first outcome.', { outcome: r.status });
    if (r.status !== 'pending') countDecision(p, r);
  }
  return opened;
}

/** The metrics of a final decision, once it is stored. */
export function countDecision(p: Pick<Ports, 'metrics' | 'now'>, r: StoredRequest): void {
  p.metrics.observeDecision((p.now() - r.createdAt) / 1000);
  p.metrics.count('jit_decisions_total', 'Final decisions by outcome.', { outcome: r.status });
}
