/** Wakes long-polls the moment a request changes, instead of polling on a timer. */
export class Waiters {
  readonly #waiting = new Map<string, Set<() => void>>();
  /** Steps being answered about each request: from their poll's start to its answer's last byte. */
  readonly #answering = new Map<string, number>();
  /** Called when a request has no step left being answered. */
  readonly #whenAnswered = new Map<string, Set<() => void>>();

  /**
   * Counts a step's poll of request `id` as being answered until the returned function is called
   * (when its answer has been written out): `answered` waits for it.
   */
  answering(id: string): () => void {
    this.#answering.set(id, (this.#answering.get(id) ?? 0) + 1);
    let once = false;
    return () => {
      if (once) return;
      once = true;
      const left = this.#answering.get(id)! - 1;
      if (left > 0) return void this.#answering.set(id, left);
      this.#answering.delete(id);
      const wakes = this.#whenAnswered.get(id);
      this.#whenAnswered.delete(id);
      for (const wake of wakes ?? []) wake();
    };
  }

  /** Steps of request `id` this instance is answering now. */
  answeringCount(id: string): number {
    return this.#answering.get(id) ?? 0;
  }

  /**
   * Resolves once no step of request `id` is being answered here, or after `ms`: work that can wait
   * (the check run, comments) goes after the steps a decision resumes.
   */
  answered(id: string, ms: number): Promise<void> {
    if (!this.#answering.has(id)) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.#whenAnswered.get(id) ?? new Set();
      this.#whenAnswered.set(id, set);
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

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
