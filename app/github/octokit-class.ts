// The Octokit the app talks to GitHub with: Probot's, with limits chosen for an approval gate.
//
// Probot's default (@octokit/plugin-throttling) spaces every write a second apart with no burst,
// so a matrix of 30 jobs asking at once waits 30 s for its check runs, does not retry secondary
// rate limits, and its Bottleneck queues added ~25 ms to every approval (measured, BENCHMARKS.md).
// GitHub's guidance is serial writes per installation and, for many of them, about one a second;
// its secondary limits answer 403/429 with `retry-after` when a client goes beyond. So here:
// writes are serial per installation, a burst goes at once, sustained writes are paced (a token
// bucket per installation), and rate limits are waited out and retried where that is short.
import type { Octokit } from '@octokit/core';
import { ProbotOctokit } from 'probot';

export interface WriteLimits {
  /** Sustained writes per minute per installation; 0 = not paced (still serial). */
  perMinute: number;
  /** Writes that may go one after the other without pacing, before the rate applies. */
  burst: number;
}

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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Minting tokens is authentication, not a write: never queued behind check runs. */
const isAuth = (o: RequestOptions): boolean =>
  o.method === 'POST' && /\/app\/installations\/[^/]+\/access_tokens$/.test(o.url);

/** Serial writes with a token bucket, for one installation. */
class WriteQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #tokens: number;
  #at = performance.now();
  readonly #limits: WriteLimits;

  constructor(limits: WriteLimits) {
    this.#limits = limits;
    this.#tokens = Math.max(1, limits.burst);
  }

  run<T>(write: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(async () => {
      await this.#take();
      return write();
    });
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async #take(): Promise<void> {
    if (this.#limits.perMinute <= 0) return;
    const perMs = this.#limits.perMinute / 60_000;
    const burst = Math.max(1, this.#limits.burst);
    const refill = (): void => {
      const now = performance.now();
      this.#tokens = Math.min(burst, this.#tokens + (now - this.#at) * perMs);
      this.#at = now;
    };
    refill();
    if (this.#tokens < 1) {
      await sleep((1 - this.#tokens) / perMs);
      refill();
    }
    this.#tokens -= 1;
  }
}

/** Seconds to wait before trying again, or undefined to give up, for GitHub's rate limits. */
function retryAfter(err: LimitError, attempt: number): { seconds: number; kind: string } | undefined {
  if (err.status !== 403 && err.status !== 429) return undefined;
  const headers = err.response?.headers ?? {};
  if (/secondary rate limit/i.test(err.message ?? '')) {
    if (attempt >= SECONDARY_RETRIES) return undefined;
    return { seconds: Number(headers['retry-after']) || SECONDARY_FALLBACK_S, kind: 'secondary rate limit' };
  }
  if (headers['x-ratelimit-remaining'] === '0' && attempt === 0) {
    const seconds = Math.max(0, Number(headers['x-ratelimit-reset']) - Math.floor(Date.now() / 1000)) + 1;
    if (seconds <= MAX_PRIMARY_WAIT_S) return { seconds, kind: 'rate limit' };
  }
  return undefined;
}

/**
 * Probot's Octokit class with the app's write limits and rate-limit handling instead of
 * plugin-throttling. Queues are per installation and per class (one per app).
 */
export function appOctokit(limits: WriteLimits): typeof ProbotOctokit {
  const queues = new Map<number, WriteQueue>();
  const queueOf = (installation: number): WriteQueue => {
    let q = queues.get(installation);
    if (!q) queues.set(installation, (q = new WriteQueue(limits)));
    return q;
  };
  const limited = (octokit: Octokit, options: { auth?: { installationId?: number | string } }) => {
    const installation = Number(options.auth?.installationId) || undefined;
    octokit.hook.wrap('request', async (request, opts) => {
      const o = opts as unknown as RequestOptions;
      const write = installation !== undefined && o.method !== 'GET' && o.method !== 'HEAD' && !isAuth(o);
      for (let attempt = 0; ; attempt++) {
        try {
          return await (write ? queueOf(installation).run(async () => request(opts)) : request(opts));
        } catch (err) {
          const wait = retryAfter(err as LimitError, attempt);
          const route = `${o.method} ${o.url}`;
          if (!wait) {
            if ((err as LimitError).status === 403 && /rate limit/i.test((err as LimitError).message ?? ''))
              octokit.log.warn(`GitHub's rate limit answered ${route}; giving up`);
            throw err;
          }
          octokit.log.warn(`GitHub's ${wait.kind} answered ${route}; retrying in ${wait.seconds} s`);
          await sleep(wait.seconds * 1000);
        }
      }
    });
    return {};
  };
  return ProbotOctokit.plugin(limited).defaults((options: Record<string, unknown>) => ({
    ...options,
    throttle: { enabled: false },
  })) as typeof ProbotOctokit;
}
