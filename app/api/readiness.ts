import { AppError, errorBody } from '../errors.ts';

/**
 * A check whose outcome is reused for `ttlMs` (ms; 0 = every time): callers within that time, and
 * callers while a check is under way, share one check, so a busy `/readyz` costs one GitHub call.
 */
export function cachedCheck<T>(check: () => Promise<T>, ttlMs: number, now: () => number): () => Promise<T> {
  let last: { at: number; outcome: Promise<T> } | undefined;
  return () => {
    if (!last || now() - last.at >= ttlMs) last = { at: now(), outcome: check() };
    return last.outcome;
  };
}

/**
 * Says a change of readiness once: `not ready: <cause>` (a warning, with the error only when it is
 * not one the app made) when /readyz starts failing or fails for another cause, `ready again` when
 * it passes after failing. A probe every few seconds against a GitHub that is down is one line,
 * not a stack per probe.
 */
export function readinessLog(log: {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}): (failure: unknown) => void {
  let state: 'ready' | 'unknown' | { cause: string } = 'unknown';
  return (failure) => {
    if (failure === undefined) {
      if (typeof state === 'object') log.info({}, 'ready again');
      state = 'ready';
      return;
    }
    const cause = errorBody(failure).body.error.message;
    if (typeof state === 'object' && state.cause === cause) return;
    state = { cause };
    log.warn(failure instanceof AppError ? {} : { err: failure }, `not ready: ${cause}`);
  };
}
