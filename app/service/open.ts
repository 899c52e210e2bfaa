// Opening a request, for a step (create.ts) and for a job gate (gate.ts): the same record, the same
// notice, the same audit and metrics, and the effects that tell its approvers.
import { randomBytes } from 'node:crypto';
import { accountOf, isForkRef, repoOf } from '../domain/claims.ts';
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
 * issue), then its chat messages. A request waiting on running checks (`awaiting`) shows its check
 * run only: its approvers are asked once the checks fail or take too long (`askApprovers`).
 */
export const announcement = (r: Pick<StoredRequest, 'id' | 'notice' | 'decision'>): EffectDue[] =>
  r.decision.awaiting
    ? [checkRunEffect(r.id)]
    : [checkRunEffect(r.id), noticeEffect(r.id), ...chatEffects(r.id, r.notice?.webhooks ?? [], 'pending')];

/** What a pending request's change shows: its check run, and its comment once its approvers were asked. */
export const reshown = (r: Pick<StoredRequest, 'id' | 'decision'>): EffectDue[] =>
  r.decision.awaiting ? [checkRunEffect(r.id)] : [checkRunEffect(r.id), noticeEffect(r.id)];

/**
 * Waiting requests of a fork's runs one account may have announced in a repository (a comment, chat
 * messages). A stranger's pull request opens a job gate with each push's run (a fork's run gets no
 * OIDC token, so gates are a stranger's only way in): without a bound every push would notify the
 * approvers again. More wait quietly: their check runs show them, the approval page lists them, and
 * they are decided as any other. The repository's own runs are always announced.
 */
export const ANNOUNCED_PER_ACCOUNT = 3;

/** Whether a fork's run's request, about to be stored as waiting, is announced. */
async function announced(
  p: Pick<Ports, 'ledger' | 'metrics'>,
  repositoryId: string,
  account: string,
): Promise<boolean> {
  const waiting = await p.ledger.find.countWaitingBy(repositoryId, account);
  const outcome = waiting < ANNOUNCED_PER_ACCOUNT ? 'announced' : 'quiet';
  p.metrics.count('jit_announcements_total', ANNOUNCEMENTS_HELP, { outcome });
  return outcome === 'announced';
}

const ANNOUNCEMENTS_HELP =
  "Waiting requests of forks' runs by whether their approvers were told: announced, or quiet (the account that started the run had 3 waiting in the repository).";

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
    // Fixed when reviewers are first asked: a request waiting on checks is not shown to them yet.
    terms: decision.outcome === 'pending' && !decision.awaiting ? termsOf(decision) : null,
    checkRunId: null,
    expiresAt: o.createdAt + (decision.timeout_seconds ?? 3600) * 1000,
    decidedAt: decision.outcome === 'pending' ? null : o.createdAt,
    notice,
    ignoredVotes: [],
    version: 0,
  };
  const fork = r.notice !== null && isForkRef(r.claims.ref);
  const account = accountOf(r.claims) ?? 'unknown';
  const save = async () => {
    const quiet = fork && !(await announced(p, r.claims.repository_id, account));
    if (quiet) r.notice = null;
    const repository = r.claims.repository;
    const audit = [
      ...(policies.ok ? [] : [{ type: 'policy_error', data: { repository, errors: policies.errors } }]),
      {
        type: 'request',
        data: { repository, ...data, ...(quiet && { not_announced: `${ANNOUNCED_PER_ACCOUNT} waiting` }) },
      },
      ...(r.status === 'pending' ? [] : [await decisionEvent(p.ledger, r)]),
    ];
    return p.ledger.create(r, { audit, effects: effects(r) });
  };
  // For a fork's run, the count and the save under one lock per account: gates that arrive
  // together are counted one after another.
  const opened = fork
    ? await p.ledger.locked(`announce:${r.claims.repository_id}:${account}`, save)
    : await save();
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
