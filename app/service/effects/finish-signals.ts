/**
 * Wakes those waiting on a request's effects (`settle`) when one of them ended, or when they
 * became due sooner: each waits until then or for a while, whichever comes first.
 */
export class FinishSignals {
  readonly #waiting = new Map<string, Set<() => void>>();

  /** Wakes whoever waits on request `requestId`. */
  wake(requestId: string): void {
    for (const wake of this.#waiting.get(requestId) ?? []) wake();
  }

  /** Resolves when request `requestId` is woken, or after `ms`. */
  wokenOrAfter(requestId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.#waiting.get(requestId) ?? new Set();
      this.#waiting.set(requestId, set);
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.#waiting.get(requestId) === set) this.#waiting.delete(requestId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }
}
