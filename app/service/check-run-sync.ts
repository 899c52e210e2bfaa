import { AppError } from '../errors.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { ApprovalService } from './approval-service.ts';

/** Check runs the sweep sends again at most, per sweep. */
export const RESEND_PER_SWEEP = 20;

/** The wait before the sweep's next try after `failures` failed ones: 1 s, doubling, at most 5 min. */
export const resendDelay = (failures: number): number => Math.min(2 ** (failures - 1), 300) * 1000;

/**
 * Marks the check run of `r` as behind by one change (before `r` is saved with that change): the
 * mark is stored with the change itself, so a failed or never-made update is found by the sweep.
 */
export function markChanged(r: StoredRequest, now: number): void {
  if (r.checkRunId === null) return;
  const sync = r.checkRunSync ?? { wanted: 0, shown: 0, failures: 0, retryAt: now };
  r.checkRunSync = { ...sync, wanted: sync.wanted + 1 };
}

/**
 * Sends the current view of `r` to its check run if GitHub has an older one, and records that
 * GitHub has it. Throws what GitHub or the store threw; the caller holds the request's lock.
 */
export async function sendCheckRun(service: ApprovalService, r: StoredRequest): Promise<void> {
  const sync = r.checkRunSync;
  if (r.checkRunId === null || !sync || sync.shown >= sync.wanted) return;
  const { github } = service.deps;
  const [owner, repo] = r.claims.repository.split('/') as [string, string];
  const view = await service.checkRun(r);
  await github.updateCheckRun(r.installationId, owner, repo, r.checkRunId, view);
  r.checkRunSync = { wanted: sync.wanted, shown: sync.wanted, failures: 0, retryAt: 0 };
  await service.save(r);
}

/**
 * Shows a change on the check run at once, if GitHub takes it. A failure is only logged: the change
 * is stored and marked, and the sweep sends it (`resendCheckRuns`).
 */
export async function showCheckRun(service: ApprovalService, r: StoredRequest): Promise<void> {
  await sendCheckRun(service, r).catch((err: unknown) =>
    service.deps.log.warn(
      { err, request: r.id, check_run: r.checkRunId },
      'the check run was not updated; the sweep sends it again',
    ),
  );
}

/**
 * Check-run sends that many changes share: `after(id)` sends request `id`'s check run once the
 * request's lock is free, with the state stored by then, and every call made before that send has
 * started shares it. A burst of changes (a matrix of jobs joining one request) costs GitHub a
 * few updates instead of one each, and the changes do not wait for GitHub under the lock.
 */
export class CheckRunSends {
  readonly #service: ApprovalService;
  /** The send of each request not started yet, which later calls join. */
  readonly #queued = new Map<string, Promise<void>>();

  constructor(service: ApprovalService) {
    this.#service = service;
  }

  after(id: string): Promise<void> {
    const queued = this.#queued.get(id);
    if (queued) return queued;
    const service = this.#service;
    const send = service.locks
      .run(id, async () => {
        this.#queued.delete(id); // a change from now on needs a send of its own
        const r = await service.deps.store.getRequest(id);
        if (r) await showCheckRun(service, r);
      })
      .catch((err: unknown) => service.deps.log.warn({ err, request: id }, 'a check run was not updated'))
      .finally(() => {
        if (this.#queued.get(id) === send) this.#queued.delete(id);
      });
    this.#queued.set(id, send);
    return send;
  }
}

/**
 * The reconciler of check runs: for requests whose check run GitHub shows at an older state than
 * the store holds (a failed update, an app that stopped before sending it), sends the current
 * view, at most `limit` per sweep, backing off per request while GitHub keeps failing.
 */
export async function resendCheckRuns(service: ApprovalService, limit = RESEND_PER_SWEEP): Promise<void> {
  const { store, log, now } = service.deps;
  for (const due of await store.unsyncedCheckRuns(now(), limit)) {
    // A decision whose check run waits for the steps it resumes (`finalize`) shows it itself.
    if (service.deferring(due.id)) continue;
    await service.locks
      .run(due.id, async () => {
        const r = (await store.getRequest(due.id))!;
        const sync = r.checkRunSync;
        if (!sync || sync.shown >= sync.wanted || sync.retryAt > now()) return; // done meanwhile
        try {
          await sendCheckRun(service, r);
        } catch (err) {
          if (err instanceof AppError && err.code === 'conflict') return; // another writer: look again
          const failures = sync.failures + 1;
          const fresh = (await store.getRequest(r.id))!;
          fresh.checkRunSync = { ...fresh.checkRunSync!, failures, retryAt: now() + resendDelay(failures) };
          await service.save(fresh);
          log.warn(
            { err, request: r.id, check_run: r.checkRunId, failures },
            'the check run could not be updated; trying again later',
          );
        }
      })
      .catch((err: unknown) => log.error({ err, request: due.id }, 'resending a check run failed'));
  }
}
