/**
 * A check whose outcome is reused for `ttlMs` (ms; 0 = every time): callers within that time, and
 * callers while a check is under way, share one check, so a busy `/readyz` costs one GitHub call.
 */
export function cachedCheck(
  check: () => Promise<void>,
  ttlMs: number,
  now: () => number,
): () => Promise<void> {
  let last: { at: number; outcome: Promise<void> } | undefined;
  return () => {
    if (!last || now() - last.at >= ttlMs) last = { at: now(), outcome: check() };
    return last.outcome;
  };
}
