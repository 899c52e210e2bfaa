import { createHash } from 'node:crypto';
import type { CreateRequestBody } from '../domain/step-contract.ts';
import type { Config } from '../config/read-config.ts';
import { AppError } from '../errors.ts';
import type { RunClaims } from '../domain/claims.ts';
import type { Store } from '../store/types.ts';
import type { StoredRequest } from '../domain/request.ts';

/** A run attempt's count of requests does not go down: come back (as a re-run) much later. */
const REQUESTS_RETRY_AFTER_S = 3600;
/** A long-poll slot frees when another poll answers: within seconds. */
const LONG_POLL_RETRY_AFTER_S = 5;

/**
 * Refuses a new request when the run attempt already stored `max`; a retry of one it stored (same
 * job and action: the idempotency key) still gets its request.
 */
export async function checkRequestsPerRun(
  store: Store,
  claims: RunClaims,
  body: CreateRequestBody,
  max: number,
): Promise<StoredRequest[]> {
  const stored = await store.requestsForRun(claims.repository_id, claims.run_id, claims.run_attempt);
  if (stored.length < max || stored.some((r) => r.job === body.job && r.action === body.action))
    return stored;
  throw new AppError(
    'rate_limited',
    `this run attempt already made ${stored.length} requests, as many as MAX_REQUESTS_PER_RUN (${max}) allows`,
    { retryAfterSeconds: REQUESTS_RETRY_AFTER_S },
  );
}

/**
 * Counts the long-polls this instance holds, per step (a leg of a request: legs of a large matrix
 * share one request and each waits) and per run attempt, within the limits.
 */
export class LongPolls {
  readonly #limits: Config['limits'];
  readonly #byStep = new Map<string, number>();
  readonly #byRun = new Map<string, number>();

  constructor(limits: Config['limits']) {
    this.#limits = limits;
  }

  /**
   * Holds a slot for a long-poll of `requestId` by the step holding `secret`, of the run of `claims`;
   * call the result to free it.
   */
  enter(requestId: string, secret: string, claims: RunClaims): () => void {
    const step = `${requestId}:${createHash('sha256').update(secret).digest('hex')}`;
    const run = `${claims.repository_id}:${claims.run_id}:${claims.run_attempt}`;
    const refuse = (what: string, setting: string, max: number): AppError =>
      new AppError(
        'rate_limited',
        `${what} already holds ${max} long-polls, as many as ${setting} allows; poll again shortly`,
        { retryAfterSeconds: LONG_POLL_RETRY_AFTER_S },
      );
    if ((this.#byStep.get(step) ?? 0) >= this.#limits.longPollsPerStep)
      throw refuse(
        `this step of request ${requestId}`,
        'MAX_LONG_POLLS_PER_STEP',
        this.#limits.longPollsPerStep,
      );
    if ((this.#byRun.get(run) ?? 0) >= this.#limits.longPollsPerRun)
      throw refuse('this run attempt', 'MAX_LONG_POLLS_PER_RUN', this.#limits.longPollsPerRun);
    add(this.#byStep, step, 1);
    add(this.#byRun, run, 1);
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      add(this.#byStep, step, -1);
      add(this.#byRun, run, -1);
    };
  }
}

function add(counts: Map<string, number>, key: string, n: number): void {
  const next = (counts.get(key) ?? 0) + n;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
