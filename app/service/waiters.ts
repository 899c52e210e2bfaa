/** Wakes long-polls the moment a request changes, instead of polling on a timer. */
export class Waiters {
  readonly #waiting = new Map<string, Set<() => void>>();

  /** Resolves on the next `notify(id)`, or after `ms` (whichever is first); true when notified. */
  wait(id: string, ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const set = this.#waiting.get(id) ?? new Set();
      this.#waiting.set(id, set);
      const done = (notified: boolean): void => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.#waiting.delete(id);
        signal?.removeEventListener('abort', abort);
        resolve(notified);
      };
      const wake = (): void => done(true);
      const abort = (): void => done(false);
      const timer = setTimeout(() => done(false), ms);
      set.add(wake);
      signal?.addEventListener('abort', abort);
    });
  }

  notify(id: string): void {
    for (const wake of [...(this.#waiting.get(id) ?? [])]) wake();
  }

  /** Wakes every long-poll (each re-reads its request): after news of saves may have been lost. */
  notifyAll(): void {
    for (const id of [...this.#waiting.keys()]) this.notify(id);
  }

  /** Long-polls currently held. */
  get size(): number {
    let n = 0;
    for (const set of this.#waiting.values()) n += set.size;
    return n;
  }
}
