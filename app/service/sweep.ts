import { AppError } from '../errors.ts';
import type { EffectWorker } from './effects/worker.ts';
import type { Ports } from './ports.ts';
import { settleMints } from './settle-mints.ts';
import { checksOverdue } from './checks-finished.ts';
import { timeOut } from './time-out.ts';
import { retryVotes, type VoteContext } from './vote-intake.ts';

/** Effects done or given up are kept this long (their keys keep repeats out), then forgotten. */
const EFFECTS_KEPT_MS = 7 * 24 * 3600_000;

type SweepPorts = Pick<Ports, 'ledger' | 'github' | 'now' | 'metrics' | 'log' | 'appId' | 'effects'>;

/** Work that lost to another instance's save: that instance did it, and this one steps aside. */
const once = (work: Promise<void>): Promise<void> =>
  work.catch((err: unknown) => {
    if (!(err instanceof AppError && err.code === 'conflict')) throw err;
  });

/** Ends overdue pending requests as timed out. */
async function timeOutOverdue(p: SweepPorts): Promise<void> {
  const { ledger, log, now } = p;
  for (const due of await ledger.find.pendingRequests(now())) {
    await once(
      ledger.locked(due.id, async () => {
        const r = await ledger.read(due.id);
        if (r.status === 'pending') await timeOut(p, r);
      }),
    ).catch((err: unknown) => log.error({ err, request: due.id }, 'timing out a request failed'));
  }
}

/**
 * One sweep, on any instance: timeouts, then what a failure left behind (votes not yet processed,
 * tokens minted but never handed over), then the outbox's due effects (check runs, comments, chat,
 * gate answers, review issues, revocations at their TTL), then old records. Each pass runs whatever
 * the one before it met: no single failure stops a sweep.
 */
export async function sweep(p: SweepPorts, votes: VoteContext, worker: EffectWorker): Promise<void> {
  const passes: [string, () => Promise<unknown>][] = [
    ['timing out requests', () => timeOutOverdue(p)],
    ['asking approvers where checks took too long', () => checksOverdue(p)],
    ['processing votes again', () => retryVotes(p, votes)],
    ['settling journalled mints', () => settleMints(p)],
    ['doing due effects', () => worker.pass()],
    ['forgetting old effects', () => p.ledger.outbox.prune(p.now() - EFFECTS_KEPT_MS)],
  ];
  const failures: unknown[] = [];
  for (const [what, pass] of passes)
    await pass().catch((err: unknown) => {
      p.log.error({ err }, `sweep: ${what} failed`);
      failures.push(err);
    });
  if (failures.length > 0) throw failures[0];
}
