import { AppError } from '../errors.ts';
import type { ApprovalService } from './approval-service.ts';
import { resendCheckRuns } from './check-run-sync.ts';
import { openDueReviews } from './break-glass.ts';
import { sendUnanswered } from './gate.ts';
import { revokeLeg } from './grant.ts';
import { settleMints } from './mint-journal.ts';
import { revokeFailed } from './revoke-failed.ts';
import { retryVotes } from './vote-intents.ts';

/** Work that lost to another instance's save: that instance did it, and this one steps aside. */
const once = (work: Promise<void>): Promise<void> =>
  work.catch((err: unknown) => {
    if (!(err instanceof AppError && err.code === 'conflict')) throw err;
  });

/** Ends overdue pending requests as timed out. */
async function timeOutOverdue(service: ApprovalService): Promise<void> {
  const { store, log, now } = service.deps;
  for (const p of await store.pendingRequests(now())) {
    await once(
      service.locks.run(p.id, async () => {
        const r = (await store.getRequest(p.id))!;
        if (r.status === 'pending') await service.timeOut(r);
      }),
    ).catch((err: unknown) => log.error({ err, request: p.id }, 'timing out a request failed'));
  }
}

/** Revokes tokens past their TTL. */
async function revokeDue(service: ApprovalService): Promise<void> {
  const { store, log } = service.deps;
  const now = service.deps.now();
  for (const t of await store.unrevokedTokens(now)) {
    // One token that cannot be revoked never stops the others; what failed is recorded after the
    // request's lock is released (recording takes the lock itself).
    const failed: { hash: string; err: unknown }[] = [];
    await once(
      service.locks.run(t.id, async () => {
        const r = (await store.getRequest(t.id))!;
        for (const leg of r.legs) {
          const token = leg.token;
          if (!token || token.revokedAt !== null || token.revokeFailedAt || token.revokeAt > now) continue;
          await revokeLeg(service, r, leg, 'ttl').catch((err: unknown) =>
            failed.push({ hash: token.hash, err }),
          );
        }
      }),
    ).catch((err: unknown) => log.error({ err, request: t.id }, 'revoking tokens failed'));
    for (const { hash, err } of failed) await revokeFailed(service, t.id, hash, err);
  }
}

/**
 * One sweep: timeouts, revocations at TTL, then the reconcilers of what a failure left behind:
 * clicks not yet processed, tokens minted but never handed over, check runs behind the store. Each
 * pass runs whatever the one before it met: no single failure stops a sweep.
 */
export async function sweep(service: ApprovalService): Promise<void> {
  const passes: [string, (s: ApprovalService) => Promise<void>][] = [
    ['timing out requests', timeOutOverdue],
    ['revoking tokens', revokeDue],
    ['processing clicks again', retryVotes],
    ['settling journalled mints', settleMints],
    ['resending check runs', resendCheckRuns],
    ['answering job gates', sendUnanswered],
    ['opening break-glass reviews', openDueReviews],
  ];
  const failures: unknown[] = [];
  for (const [what, pass] of passes)
    await pass(service).catch((err: unknown) => {
      service.deps.log.error({ err }, `sweep: ${what} failed`);
      failures.push(err);
    });
  if (failures.length > 0) throw failures[0];
}
