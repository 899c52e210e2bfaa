// The Octokit the app talks to GitHub with: Probot's, with limits chosen for an approval gate.
//
// Probot's default (@octokit/plugin-throttling) spaces every write a second apart with no burst,
// so a matrix of 30 jobs asking at once waits 30 s for its check runs, does not retry secondary
// rate limits, and its Bottleneck queues added ~24 ms to the median approval (measured, BENCHMARKS.md).
// GitHub's guidance is about one write a second per installation; its secondary limits answer
// 403/429 with `retry-after` when a client goes beyond. So here: writes are paced per installation
// (a token bucket: a burst goes at once, sustained writes are spaced), never queued behind a slow
// one, and rate limits are waited out and retried where that is short.
import type { Octokit } from '@octokit/core';
import { ProbotOctokit } from 'probot';
import { bounded } from './bounded.ts';

export interface WriteLimits {
  /** Sustained writes per minute per installation; 0 = not paced. */
  perMinute: number;
  /** Writes that may go one after the other without pacing, before the rate applies. */
  burst: number;
}

/**
 * Write pacing shared by every instance of the app (PostgreSQL): `reserve` books the next write
 * slot of an installation and says how long to wait for it. Filled in once the store is open;
 * without it (SQLite, one instance) each process paces its own writes.
 */
export interface SharedPacing {
  reserve?: (installationId: number, intervalMs: number, toleranceMs: number) => Promise<number>;
  /** Told when the shared booking failed and this process paced the write itself. */
  onError?: (err: unknown) => void;
}

/**
 * GitHub's other errors are repeated this often (1 s, 4 s, 9 s apart), except those repeating
 * cannot mend; `request.retries` sets it per client. As @octokit/plugin-retry does.
 */
const RETRIES = 3;
const NOT_RETRIED = new Set([400, 401, 403, 404, 410, 422, 451]);

/** How often a secondary rate limit is waited out before the error reaches the caller (503). */
const SECONDARY_RETRIES = 2;
/** Without `retry-after`, GitHub asks to wait at least a minute. */
const SECONDARY_FALLBACK_S = 60;
/** A primary limit is waited out (once) only when it resets this soon. */
const MAX_PRIMARY_WAIT_S = 60;

type RequestOptions = { method: string; url: string };
type LimitError = {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined> };
};

/** Which of GitHub's rate limits refused a call, if one did (403/429 whose message says so). */
export function rateLimitOf(err: unknown): 'secondary rate limit' | 'rate limit' | undefined {
  const { status, message = '' } = err as LimitError;
  if ((status !== 403 && status !== 429) || !/rate limit/i.test(message)) return undefined;
  return /secondary rate limit/i.test(message) ? 'secondary rate limit' : 'rate limit';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** A wait that does not keep the process alive (the low lane may hold answers for minutes). */
const idleSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** Minting tokens is authentication, not a write: never queued behind check runs. */
const isAuth = (o: RequestOptions): boolean =>
  o.method === 'POST' && /\/app\/installations\/[^/]+\/access_tokens$/.test(o.url);

/**
 * Paced writes (a token bucket), for one installation: in the store when it is shared by
 * several instances (`SharedPacing`), so that together they keep to the rate, else in memory.
 */
class WriteQueue {
  /** Writes per ms (0: unpaced), and the bucket's size. */
  readonly #perMs: number;
  readonly #burst: number;
  /** The theoretical arrival time of the next write (GCRA), performance.now() ms. */
  #tat = 0;
  readonly #installation: number;
  readonly #shared: SharedPacing;

  constructor(limits: WriteLimits, installation: number, shared: SharedPacing) {
    this.#perMs = Math.max(0, limits.perMinute) / 60_000;
    this.#burst = Math.max(1, limits.burst);
    this.#low = new LowLane(this.#perMs > 0);
    this.#installation = installation;
    this.#shared = shared;
  }

  /** Normal writes queued or under way: the low lane waits while there are any. */
  #normal = 0;
  readonly #whenIdle: (() => void)[] = [];
  readonly #low: LowLane;

  /**
   * Paced, not serialised: each write waits for its slot, then goes, whatever the writes before it
   * are doing, so one that hangs holds up none of the others (it fails at its own deadline). Writes
   * about one request never overlap anyway: the outbox does one request's effects one at a time.
   */
  async run<T>(write: () => Promise<T>, lane: Lane = 'normal'): Promise<T> {
    if (lane === 'low') return this.#runLow(write);
    this.#normal++;
    try {
      await this.#take();
      return await write();
    } finally {
      if (--this.#normal === 0) for (const wake of this.#whenIdle.splice(0)) wake();
    }
  }

  /**
   * A write of the low lane (answers to commands that changed nothing): it waits until no normal
   * write is queued, then goes at its own small rate, never drawing on the normal writes' pacing.
   */
  async #runLow<T>(write: () => Promise<T>): Promise<T> {
    await this.#low.enter();
    try {
      while (this.#normal > 0) await new Promise<void>((wake) => this.#whenIdle.push(wake));
      await this.#low.take();
      return await write();
    } finally {
      this.#low.leave();
    }
  }

  async #take(): Promise<void> {
    if (this.#perMs === 0) return;
    const interval = 1 / this.#perMs;
    const tolerance = (this.#burst - 1) * interval;
    if (this.#shared.reserve) {
      // The same schedule of slots kept in the store (GCRA), for every instance together.
      try {
        const wait = await this.#shared.reserve(this.#installation, interval, tolerance);
        if (wait > 0) await sleep(wait);
        return;
      } catch (err) {
        this.#shared.onError?.(err); // paced here instead: the write is not held up by the store
      }
    }
    // GCRA: each write books the next slot before it waits, so writes arriving together get slots
    // one interval apart (a burst of `burst` at once, then the rate), never the same one.
    const now = performance.now();
    this.#tat = Math.max(this.#tat, now);
    const wait = this.#tat - tolerance - now;
    this.#tat += interval;
    if (wait > 0) await sleep(wait);
  }
}

/**
 * Which queue a write goes in: `normal`, or `low` for what may wait and may be dropped (answers to
 * ignored comment commands). Given as the request option `request.lane`.
 */
export type Lane = 'normal' | 'low';

/** The low lane's rate per installation: a burst of 3, then one write every 10 s. */
const LOW_BURST = 3;
const LOW_EVERY_MS = 10_000;
/** Low-lane writes waiting at most, per installation: beyond it they are refused at once. */
export const LOW_LANE_MAX = 50;

/** The low lane's bucket and waiting room. */
class LowLane {
  /** Paced like the normal writes: with GITHUB_WRITES_PER_MINUTE=0 neither is. */
  readonly #paced: boolean;
  /** The theoretical arrival time of the next low-lane write (GCRA, as the normal lane's). */
  #tat = 0;
  #waiting = 0;

  constructor(paced: boolean) {
    this.#paced = paced;
  }

  async enter(): Promise<void> {
    if (this.#waiting >= LOW_LANE_MAX)
      throw new Error(`the low-priority write lane is full (${LOW_LANE_MAX} waiting); the write is dropped`);
    this.#waiting++;
  }

  leave(): void {
    this.#waiting--;
  }

  async take(): Promise<void> {
    if (!this.#paced) return;
    const now = performance.now();
    this.#tat = Math.max(this.#tat, now);
    const wait = this.#tat - (LOW_BURST - 1) * LOW_EVERY_MS - now;
    this.#tat += LOW_EVERY_MS;
    if (wait > 0) await idleSleep(wait);
  }
}

/** Seconds to wait before trying again, or undefined to give up, for GitHub's rate limits. */
function retryAfter(err: unknown, attempt: number): number | undefined {
  const kind = rateLimitOf(err);
  const headers = (err as LimitError).response?.headers ?? {};
  if (kind === 'secondary rate limit')
    return attempt < SECONDARY_RETRIES ? Number(headers['retry-after']) || SECONDARY_FALLBACK_S : undefined;
  if (kind === 'rate limit' && headers['x-ratelimit-remaining'] === '0' && attempt === 0) {
    const seconds = Math.max(0, Number(headers['x-ratelimit-reset']) - Math.floor(Date.now() / 1000)) + 1;
    if (seconds <= MAX_PRIMARY_WAIT_S) return seconds;
  }
  return undefined;
}

/**
 * Probot's Octokit class with the app's write limits and rate-limit handling instead of
 * plugin-throttling. Queues are per installation and per class (one per app). Each call is bounded
 * by `timeoutMs` (GITHUB_TIMEOUT_MS), counted from when a write leaves its queue: a hung write
 * fails and the next one goes.
 */
export function appOctokit(
  limits: WriteLimits,
  timeoutMs: number,
  shared: SharedPacing = {},
): typeof ProbotOctokit {
  const queues = new Map<number, WriteQueue>();
  const queueOf = (installation: number): WriteQueue => {
    let q = queues.get(installation);
    if (!q) queues.set(installation, (q = new WriteQueue(limits, installation, shared)));
    return q;
  };
  const limited = (octokit: Octokit, options: { auth?: { installationId?: number | string } }) => {
    const installation = Number(options.auth?.installationId) || undefined;
    octokit.hook.wrap('request', async (request, opts) => {
      const o = opts as unknown as RequestOptions & { request?: { retries?: number; lane?: Lane } };
      const write = installation !== undefined && o.method !== 'GET' && o.method !== 'HEAD' && !isAuth(o);
      const call = () => bounded(request, opts, timeoutMs);
      const route = `${o.method} ${o.url}`;
      const retries = o.request?.retries ?? RETRIES;
      for (let attempt = 0, failed = 0; ; attempt++) {
        try {
          return await (write ? queueOf(installation).run(call, o.request?.lane) : call());
        } catch (err) {
          const kind = rateLimitOf(err);
          if (!kind) {
            // GitHub's other errors, as @octokit/plugin-retry repeats them (without its queue).
            const status = (err as LimitError).status;
            if (status === undefined || status < 400 || NOT_RETRIED.has(status) || failed >= retries)
              throw err;
            failed++;
            octokit.log.warn(`GitHub answered ${route} with ${status}; retrying in ${failed ** 2} s`);
            await sleep(failed ** 2 * 1000);
            continue;
          }
          const seconds = retryAfter(err, attempt);
          octokit.log.warn(
            `GitHub's ${kind} answered ${route}; ${seconds === undefined ? 'giving up' : `retrying in ${seconds} s`}`,
          );
          if (seconds === undefined) throw err;
          await sleep(seconds * 1000);
        }
      }
    });
    return {};
  };
  return ProbotOctokit.plugin(limited).defaults((options: Record<string, unknown>) => ({
    ...options,
    throttle: { enabled: false },
    // Repeated here instead: plugin-retry made a Bottleneck queue for every call (5% of the CPU
    // of a request's creation, profiled).
    retry: { enabled: false },
  })) as typeof ProbotOctokit;
}
