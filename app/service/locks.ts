/**
 * Runs work for the same key one at a time (votes and sweeps of one request never interleave):
 * in this process by queueing, and across instances through `across` (the store's lock), taken
 * by the head of the queue only, so an instance holds at most one store lock per key.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #across: (<T>(key: string, work: () => Promise<T>) => Promise<T>) | undefined;

  constructor(across?: <T>(key: string, work: () => Promise<T>) => Promise<T>) {
    this.#across = across;
  }

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const locked = this.#across ? (): Promise<T> => this.#across!(key, work) : work;
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous.then(locked, locked);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }
}
