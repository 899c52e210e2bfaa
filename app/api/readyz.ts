import { AppError } from '../errors.ts';
import type { GitHubPort } from '../github/port.ts';
import type { Store } from '../store/types.ts';

/**
 * /readyz answers within this, whatever the store or GitHub do: under the 1 s a readiness probe
 * usually waits, so the probe sees the cause instead of its own timeout.
 */
export const READY_BUDGET_MS = 800;

/** Rejects with `unavailable` if `work` has not settled within `ms`. */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError('unavailable', `${what} did not answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Resolves when the store and GitHub both answer; otherwise `unavailable` with the cause. Resolves
 * with the problems of owners whose organization policies are mandatory and cannot be read (each
 * with its fix): their requests are denied, as they must be, while the app serves every other
 * owner, so they are reported, not made a failure (one owner could otherwise take the app out of
 * service for all). A check of them that does not finish in time is reported as such.
 */
export async function checkReady(
  store: Store,
  github: GitHubPort,
  orgPolicyProblems: () => Promise<string[]> = async () => [],
): Promise<{ problems: string[] }> {
  const storeReady = within(store.ping(), READY_BUDGET_MS, 'the store').catch((cause: unknown) => {
    throw cause instanceof AppError
      ? cause
      : new AppError('unavailable', `the store is not reachable: ${(cause as Error).message}`, { cause });
  });
  const problems = within(
    orgPolicyProblems(),
    READY_BUDGET_MS,
    'reading mandatory organization policies',
  ).catch((err: unknown) => [(err as Error).message]);
  const [, , found] = await Promise.all([storeReady, github.ping(READY_BUDGET_MS), problems]);
  return { problems: found };
}
