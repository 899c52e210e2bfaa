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
