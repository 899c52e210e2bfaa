import { randomUUID } from 'node:crypto';
import type { Effect, EffectKind } from '../../domain/effects.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { Outbox } from '../../store/outbox.ts';
import { retriable } from './retriable.ts';

/** Does one effect: returns once it happened, throws what stopped it. */
export type EffectHandler = (e: Effect) => Promise<void>;

/** How one try of an effect ended: `done`, `failed` (due again later, or given up) or `busy` (not claimed). */
export type AttemptOutcome = 'done' | 'failed' | 'busy';

/** What trying an effect uses: the outbox, the handlers, and what to do once one is given up. */
export interface AttemptDeps {
  outbox: Outbox;
  handlers: Record<EffectKind, EffectHandler>;
  /** Failure handlers by kind (metrics, audit): called once an effect is given up. */
  gaveUp: Partial<Record<EffectKind, (e: Effect, err: unknown) => Promise<void>>>;
  /** Called when a claimed effect of request `requestId` ended, done or not. */
  ended: (requestId: string) => void;
  now: () => number;
  log: Logger;
  metrics: Metrics;
  /** How long a claimed effect is the claimer's before another worker may take it (ms). */
  leaseMs: number;
  /** Waits between a chat message's tries. */
  chatBackoffMs: readonly number[];
}

/** Tries of a GitHub effect before it is given up (backing off to 5 minutes: about 1.5 h). */
const MAX_TRIES = 20;
/** Answers to strangers are worth little: three tries. */
const REPLY_TRIES = 3;

const HELP = 'Effects on GitHub and chat done by the outbox worker, by kind and outcome.';

/**
 * Claims and does one effect: `done`, `failed` (due again later, or given up), or `busy` (another
 * worker holds it, or it could not be claimed). The claim is renewed while the effect is done.
 */
export async function attempt(d: AttemptDeps, e: Effect): Promise<AttemptOutcome> {
  const { now, log, metrics, leaseMs, outbox } = d;
  const token = randomUUID();
  let claimed: Effect | null;
  try {
    claimed = await outbox.claim(e.id, now(), leaseMs, token);
  } catch (err) {
    log.warn({ err, effect: e.key }, 'an effect could not be claimed; the next pass tries again');
    return 'busy';
  }
  if (!claimed) return 'busy';
  const renew = setInterval(
    () => void outbox.extend(claimed.id, token, now(), leaseMs).catch(() => undefined),
    leaseMs / 3,
  );
  renew.unref();
  try {
    await d.handlers[claimed.kind](claimed);
    await outbox.done(claimed.id, claimed.generation, now());
    metrics.count('jit_effects_total', HELP, { kind: claimed.kind, outcome: 'done' });
    return 'done';
  } catch (err) {
    await failed(d, claimed, err).catch((failure: unknown) =>
      log.error({ err: failure, effect: claimed.key }, 'recording a failed effect failed'),
    );
    return 'failed';
  } finally {
    clearInterval(renew);
    if (claimed.requestId) d.ended(claimed.requestId);
  }
}

/** A try failed: due again after a backoff while it may still work, else given up. */
async function failed(d: AttemptDeps, e: Effect, err: unknown): Promise<void> {
  const { now, log, metrics, outbox } = d;
  const tries = e.kind === 'chat' ? d.chatBackoffMs.length + 1 : e.lane === 'low' ? REPLY_TRIES : MAX_TRIES;
  const message = err instanceof Error ? err.message : String(err);
  if (retriable(err) && e.attempts < tries) {
    const wait =
      e.kind === 'chat' ? d.chatBackoffMs[e.attempts - 1]! : Math.min(2 ** (e.attempts - 1), 300) * 1000;
    await outbox.retry(e.id, now() + wait, message);
    metrics.count('jit_effects_total', HELP, { kind: e.kind, outcome: 'retried' });
    log.warn(
      { err, effect: e.key, request: e.requestId, attempts: e.attempts },
      `${e.kind}: failed; trying again`,
    );
    return;
  }
  await outbox.fail(e.id, message, now());
  metrics.count('jit_effects_total', HELP, { kind: e.kind, outcome: 'failed' });
  log.error({ err, effect: e.key, request: e.requestId, attempts: e.attempts }, `${e.kind}: given up`);
  await d.gaveUp[e.kind]?.(e, err);
}
