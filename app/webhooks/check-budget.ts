import type { Metrics } from '../metrics.ts';

/** How long the policy checks of one sender are counted together. */
export const POLICY_CHECK_WINDOW_MS = 60 * 60_000;
/** Policy checks one sender (the account that pushed or opened the pull request) gets per hour. */
export const POLICY_CHECKS_PER_SENDER = 30;
/** Senders remembered at most (the oldest go first): memory stays bounded whatever strangers send. */
const KEPT = 10_000;

export type CheckTurn = 'run' | 'notice' | 'skip';

/**
 * The policy check runs on every pull request, a fork's included, and reads policy files on the
 * installation's rate limit: each sender gets `POLICY_CHECKS_PER_SENDER` per hour on this
 * instance. Past that, the sender's next commit gets one "not checked" check run saying so
 * (`notice`), and the rest of the hour nothing (`skip`). Counted in `jit_policy_checks_total`.
 */
export class PolicyCheckBudget {
  readonly #bySender = new Map<number, { at: number[]; noticed: boolean }>();
  readonly #now: () => number;
  readonly #metrics: Metrics;

  constructor(now: () => number, metrics: Metrics) {
    this.#now = now;
    this.#metrics = metrics;
    for (const outcome of ['checked', 'unchanged', 'over_budget']) metrics.declare(NAME, HELP, [{ outcome }]);
  }

  take(sender: number): CheckTurn {
    const now = this.#now();
    const kept = this.#bySender.get(sender);
    const at = (kept?.at ?? []).filter((t) => now - t < POLICY_CHECK_WINDOW_MS);
    const noticed = at.length > 0 && (kept?.noticed ?? false);
    this.#bySender.delete(sender);
    if (at.length >= POLICY_CHECKS_PER_SENDER) {
      this.#bySender.set(sender, { at, noticed: true });
      this.count('over_budget');
      return noticed ? 'skip' : 'notice';
    }
    this.#bySender.set(sender, { at: [...at, now], noticed: false });
    if (this.#bySender.size > KEPT) this.#bySender.delete(this.#bySender.keys().next().value!);
    return 'run';
  }

  count(outcome: 'checked' | 'unchanged' | 'over_budget'): void {
    this.#metrics.count(NAME, HELP, { outcome });
  }
}

const NAME = 'jit_policy_checks_total';
/** As declared in metrics-catalogue.ts (a counter's help is set by whichever names it first). */
const HELP = 'Policy checks asked for by pushes and pull requests, by outcome.';
