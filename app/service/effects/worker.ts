import type { Effect, EffectKind } from '../../domain/effects.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { Ledger } from '../ledger.ts';
import { attempt, type AttemptDeps, type EffectHandler, type AttemptOutcome } from './attempt.ts';
import { FinishSignals } from './finish-signals.ts';
import { WakeTimer } from './wake-timer.ts';

export interface WorkerOptions {
  now: () => number;
  log: Logger;
  metrics: Metrics;
  /** How long a claimed effect is the claimer's before another worker may take it (ms). */
  leaseMs?: number;
  /** Requests whose effects are done side by side in one pass. */
  concurrency?: number;
  /** Waits between a chat message's tries (default 0.5 s, 2 s, 8 s: four tries). */
  chatBackoffMs?: readonly number[];
}

/** Effects read per pass; a full batch starts the next pass at once. */
const BATCH = 64;
/** A claim lasts this long unless renewed; a worker renews its claims while it works on them. */
const LEASE_MS = 10_000;
const CHAT_BACKOFF_MS = [500, 2_000, 8_000];
/** `settle` waits for effects due this soon (a decision's, waiting for its steps: 2 s at most). */
const SETTLE_HORIZON_MS = 3_000;
/** Low-lane effects under way at most, per worker. */
const LOW_AT_ONCE = 4;

/**
 * The outbox's worker, the same on every instance: it reads the effects due, claims each for a
 * while (so no other worker does it meanwhile), does it, and marks it done, or due again later
 * (backing off), or given up. A request's effects are done in order (the check run before the
 * comment that points at it); requests are done side by side, so one hung call holds up only its
 * own request. What a crash interrupts is claimed again when its lease ends: each effect's handler
 * reads GitHub's state before redoing what may have happened (`attempts > 1`).
 */
export class EffectWorker {
  readonly #ledger: Ledger;
  readonly #o: Required<WorkerOptions>;
  /** What trying one effect uses (`attempt`). */
  readonly #attempt: AttemptDeps;
  #running: Promise<void> | undefined;
  #again = false;
  /** Woken when one of a request's effects was done or gave up (settle() waits on it). */
  readonly #finished = new FinishSignals();
  /** Requests whose effects a runner of this worker (a pass, a settle) is doing now. */
  readonly #busy = new Set<string>();
  readonly #timer = new WakeTimer(
    () => this.#o.now(),
    () => this.kick(),
  );

  constructor(ledger: Ledger, handlers: Record<EffectKind, EffectHandler>, options: WorkerOptions) {
    this.#ledger = ledger;
    this.#o = {
      leaseMs: LEASE_MS,
      concurrency: 8,
      chatBackoffMs: CHAT_BACKOFF_MS,
      ...options,
    };
    this.#attempt = {
      ...this.#o,
      outbox: ledger.outbox,
      handlers,
      gaveUp: {},
      ended: (requestId) => this.poke(requestId),
    };
    ledger.onDue(() => this.kick());
  }

  /** What to do when an effect of `kind` is given up (beyond the log and the metric). */
  onGiveUp(kind: EffectKind, handler: (e: Effect, err: unknown) => Promise<void>): void {
    this.#attempt.gaveUp[kind] = handler;
  }

  /** Runs a pass soon; a pass under way runs once more when it ends. */
  kick(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#passes().finally(() => (this.#running = undefined));
  }

  /** One pass over what is due (the sweep calls it; errors are logged, never thrown). */
  async pass(): Promise<void> {
    this.kick();
    await this.#running;
  }

  /** Resolves when no pass is under way (nor a low-lane effect, unless `normalOnly`). */
  async idle({ normalOnly = false } = {}): Promise<void> {
    while (this.#running || (!normalOnly && this.#low.size > 0)) {
      await this.#running;
      if (!normalOnly) await Promise.allSettled([...this.#low.values()]);
    }
  }

  async #passes(): Promise<void> {
    do {
      this.#again = false;
      try {
        const due = await this.#ledger.outbox.due(this.#o.now(), BATCH);
        if (due.length === BATCH) this.#again = true;
        await this.#run(due);
      } catch (err) {
        this.#o.log.error({ err }, 'the outbox worker could not read what is due; the next pass tries again');
      }
    } while (this.#again);
    await this.#wakeAtNextDue();
  }

  /**
   * Wakes the worker when the next effect falls due (a retry after its backoff, a decision's
   * effects that waited for its steps, a revocation at its TTL), within a minute: the sweep's
   * interval does not delay what is due.
   */
  async #wakeAtNextDue(): Promise<void> {
    const next = await this.#ledger.outbox.nextDue().catch(() => null);
    if (next === null) return;
    this.#timer.wakeAt(Math.min(next, this.#o.now() + 60_000));
  }

  /** Stops waking itself (the app stops). */
  stop(): void {
    this.#timer.stop();
  }

  /** Low-lane effects under way (they may wait long for their lane: never in a pass's way). */
  readonly #low = new Map<number, Promise<unknown>>();

  /**
   * Does `effects`, each request's in order, up to `concurrency` requests at once. Those of the low
   * lane go on beside the pass, a few at a time: they may wait long for GitHub's low-priority lane,
   * and must never hold up what the normal lane has to do.
   */
  async #run(effects: readonly Effect[]): Promise<void> {
    for (const e of effects.filter((x) => x.lane === 'low')) {
      if (this.#low.size >= LOW_AT_ONCE) break;
      if (this.#low.has(e.id)) continue;
      const work = this.#do(e).finally(() => this.#low.delete(e.id));
      this.#low.set(e.id, work);
    }
    const groups = new Map<string, Effect[]>();
    for (const e of effects.filter((x) => x.lane !== 'low')) {
      const key = e.requestId ?? `#${e.id}`;
      groups.set(key, [...(groups.get(key) ?? []), e]);
    }
    const queue = [...groups.values()];
    const lanes = Array.from({ length: Math.min(this.#o.concurrency, queue.length) }, async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        const id = group[0]!.requestId;
        if (id !== null && this.#busy.has(id)) continue; // a settle is doing them: it does them in order
        if (id !== null) this.#busy.add(id);
        try {
          for (const e of group) await this.#do(e);
        } finally {
          if (id !== null) this.#busy.delete(id);
        }
      }
    });
    await Promise.all(lanes);
  }

  /**
   * Runs request `requestId`'s effects that are due now, here and at once, and waits (until
   * `deadline`, epoch ms) for those due a little later or under way elsewhere: a webhook or an API
   * call answers once what reviewers see reflects it. Chat messages, and what is in the low lane
   * (unless `lowToo`), are left to the worker (a slow chat never holds up a decision).
   */
  async settle(requestId: string, deadline: number, opts: { lowToo?: boolean } = {}): Promise<void> {
    // A call under way when the deadline comes is not waited for: it goes on, and its caller (a
    // webhook GitHub gives 10 s, a step's request) is answered at the deadline.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - this.#o.now()));
    });
    const work = this.#settle(requestId, deadline, opts).catch((err: unknown) =>
      this.#o.log.error({ err, request: requestId }, 'settling effects failed'),
    );
    try {
      await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #settle(requestId: string, deadline: number, { lowToo = false } = {}): Promise<void> {
    // An effect this settle tried and that failed is left to the worker's retries: the caller is
    // answered now, not after GitHub mends.
    const tried = new Set<number>();
    // What is due within a moment: a decision's effects waiting for its steps, not a token's
    // revocation at its TTL.
    const horizon = this.#o.now() + SETTLE_HORIZON_MS;
    for (;;) {
      const now0 = this.#o.now();
      // An effect backing off after a failed try (its own or another runner's) is not waited for.
      const open = (await this.#ledger.outstanding(requestId)).filter(
        (e) =>
          e.kind !== 'chat' &&
          (lowToo || e.lane !== 'low') &&
          !tried.has(e.id) &&
          e.dueAt <= horizon &&
          !(e.attempts > 0 && e.dueAt > now0),
      );
      if (open.length === 0) return;
      const now = this.#o.now();
      const due = open.filter((e) => e.dueAt <= now);
      let progressed = false;
      if (due.length > 0 && !this.#busy.has(requestId)) {
        this.#busy.add(requestId);
        try {
          for (const e of due) {
            const outcome = await this.#do(e);
            if (outcome === 'failed') tried.add(e.id);
            progressed = outcome !== 'busy' || progressed;
          }
        } finally {
          this.#busy.delete(requestId);
          this.poke(requestId);
        }
      }
      if (progressed) continue;
      if (now >= deadline) return;
      const next = Math.min(deadline, ...open.map((e) => (e.dueAt > now ? e.dueAt : now + 50)));
      await this.#finished.wokenOrAfter(requestId, Math.max(1, next - now));
    }
  }

  /** Wakes `settle` for request `requestId` (its effects became due sooner: its steps have tokens). */
  poke(requestId: string): void {
    this.#finished.wake(requestId);
  }

  /** Claims and does one effect (`attempt`). */
  #do(e: Effect): Promise<AttemptOutcome> {
    return attempt(this.#attempt, e);
  }
}
