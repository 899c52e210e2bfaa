import { checkRunEffect, type EffectDue } from '../domain/effects.ts';
import type { Leg } from '../domain/leg.ts';
import type { StoredRequest } from '../domain/request.ts';
import { revokeKey } from './effects/revoke.ts';
import { finalize } from './finalize.ts';
import type { Ports } from './ports.ts';

type EndPorts = Pick<Ports, 'ledger' | 'now' | 'metrics' | 'log' | 'effects'>;

/** The revocation of each token `legs` hold and have not had revoked, due now. */
const revocations = (r: StoredRequest, legs: readonly Leg[], now: number): EffectDue[] =>
  legs.flatMap((l) =>
    l.token && l.token.revokedAt === null && !l.token.revokeFailedAt
      ? [
          {
            kind: 'revoke' as const,
            key: revokeKey(l.token),
            requestId: r.id,
            dueAt: now,
            data: l.token.mint ? { mint: l.token.mint } : { hash: l.token.hash },
          },
        ]
      : [],
  );

/**
 * Ends the legs of `r` that `which` picks (their step was cancelled, their job or run ended, or two
 * steps claimed one job): no token is minted for them after this, and theirs is revoked now (the
 * revocation effect, due at once). A pending request whose every leg has ended is cancelled with
 * `message`. The caller holds the request's lock.
 */
export async function endLegsOf(
  p: Pick<Ports, 'ledger' | 'now' | 'metrics' | 'log'>,
  r: StoredRequest,
  which: (leg: Leg) => boolean,
  why: string,
  message: string,
): Promise<void> {
  const now = p.now();
  const ending = r.legs.filter((l) => which(l) && l.endedAt === null);
  for (const leg of ending) {
    leg.endedAt = now;
    leg.endedWhy = why;
  }
  const revoke = revocations(r, r.legs.filter(which), now);
  if (r.status === 'pending' && r.legs.every((l) => l.endedAt !== null)) {
    const reasons = [...r.decision.reasons, { rule: 'governing' as const, message }];
    await finalize(p, r, 'cancelled', { ...r.decision, reasons }, { effects: revoke });
    return;
  }
  if (ending.length === 0 && revoke.length === 0) return;
  await p.ledger.save(r, { effects: [...(r.status === 'pending' ? [checkRunEffect(r.id)] : []), ...revoke] });
}

/** `endLegsOf` for request `id`, under its lock; then what it owes the world is done. */
export async function endLegs(
  p: EndPorts,
  id: string,
  which: (leg: Leg) => boolean,
  why: string,
  message: string,
): Promise<void> {
  await p.ledger.locked(id, async () => endLegsOf(p, await p.ledger.read(id), which, why, message));
  await p.effects.settle(id);
}

/** A job of the run finished: its legs end, their tokens are revoked, requests nobody waits on end. */
export async function jobCompleted(
  p: EndPorts,
  repositoryId: string,
  runId: string,
  runAttempt: string,
  jobId: number,
): Promise<void> {
  for (const found of await p.ledger.find.requestsForRun(repositoryId, runId, runAttempt)) {
    if (!found.legs.some((l) => l.jobId === jobId)) continue;
    await endLegs(p, found.id, (l) => l.jobId === jobId, 'job_completed', 'the job ended before a decision');
  }
}

/** A run (attempt) finished: every leg of its requests ends. The backstop for missed job events. */
export async function runCompleted(
  p: EndPorts,
  repositoryId: string,
  runId: string,
  runAttempt: string,
): Promise<void> {
  for (const found of await p.ledger.find.requestsForRun(repositoryId, runId, runAttempt)) {
    if (found.status !== 'pending' && !found.legs.some((l) => l.token && l.token.revokedAt === null))
      continue;
    await endLegs(p, found.id, () => true, 'run_completed', 'the workflow run ended before a decision');
  }
}
