/** Wakes long-polls the moment a request changes, instead of polling on a timer. */
export class Waiters {
  readonly #waiting = new Map<string, Set<(notification: number) => void>>();
  /**
   * Steps being answered about each request (their secrets' SHA-256, one entry per poll): from
   * their poll's start to its answer's last byte.
   */
  readonly #answering = new Map<string, string[]>();
  /** Called when a request has no step left being answered. */
  readonly #whenAnswered = new Map<string, Set<() => void>>();

  /**
   * Counts a poll of request `id` by the step whose secret hashes to `secretHash` as being answered
   * until the returned function is called (when its answer has been written out): `answered`
   * waits for it, and a token minted for one waiting step is minted for the others with it.
   */
  answering(id: string, secretHash: string): () => void {
    const list = this.#answering.get(id) ?? [];
    list.push(secretHash);
    this.#answering.set(id, list);
    let once = false;
    return () => {
      if (once) return;
      once = true;
      list.splice(list.indexOf(secretHash), 1);
      if (list.length > 0) return;
      this.#answering.delete(id);
      const wakes = this.#whenAnswered.get(id);
      this.#whenAnswered.delete(id);
      for (const wake of wakes ?? []) wake();
    };
  }

  /** Steps of request `id` this instance is answering now. */
  answeringCount(id: string): number {
    return this.#answering.get(id)?.length ?? 0;
  }

  /** The secret hashes of the steps of request `id` this instance is answering now. */
  answeringSteps(id: string): Set<string> {
    return new Set(this.#answering.get(id));
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

  /**
   * Resolves on the next `notify(id)` with that notification's number (steps woken by the same
   * one may share a read made after it), or with 0 after `ms` or an abort, whichever is first.
   */
  wait(id: string, ms: number, signal?: Hangup): Promise<number> {
    if (signal?.aborted) return Promise.resolve(0);
    return new Promise((resolve) => {
      const set = this.#waiting.get(id) ?? new Set();
      this.#waiting.set(id, set);
      // One function for all three ends (woken, aborted, timed out): a held poll's closures are
      // part of what each waiting step costs.
      const done = (notification: number): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.#waiting.delete(id);
        signal?.listen(undefined);
        resolve(notification);
      };
      const timer = setTimeout(done, ms, 0);
      set.add(done);
      signal?.listen(done);
    });
  }

  #notifications = 0;
  /** The latest notification of each request some long-poll watches (`watch`), and how many do. */
  readonly #watched = new Map<string, { polls: number; last: number }>();

  /**
   * Records the notifications of request `id` from now until `done()`, `last()` being the number
   * of the latest one (0: none yet): a long-poll that reads the request between two waits learns
   * of a change notified while it read (when nothing waited to be woken), instead of waiting on.
   */
  watch(id: string): { last: () => number; done: () => void } {
    const watched = this.#watched.get(id) ?? { polls: 0, last: 0 };
    watched.polls++;
    this.#watched.set(id, watched);
    let once = false;
    return {
      last: () => watched.last,
      done: () => {
        if (once) return;
        once = true;
        if (--watched.polls === 0 && this.#watched.get(id) === watched) this.#watched.delete(id);
      },
    };
  }

  notify(id: string): void {
    const waiting = this.#waiting.get(id);
    const watched = this.#watched.get(id);
    if (!waiting && !watched) return;
    const notification = ++this.#notifications;
    if (watched) watched.last = notification;
    for (const wake of [...(waiting ?? [])]) wake(notification);
  }

  /** Wakes every long-poll (each re-reads its request): after news of saves may have been lost. */
  notifyAll(): void {
    for (const id of new Set([...this.#waiting.keys(), ...this.#watched.keys()])) this.notify(id);
  }

  /** Long-polls currently held. */
  get size(): number {
    let n = 0;
    for (const set of this.#waiting.values()) n += set.size;
    return n;
  }
}

/**
 * A poll's connection closing, for the wait to end early: what an AbortController does here, for
 * less memory per held poll (one listener at a time, no EventTarget).
 */
export class Hangup {
  aborted = false;
  #listener: ((notification: 0) => void) | undefined;

  /** `listener` is called with 0 (no notification) when the poll's connection closes. */
  listen(listener: ((notification: 0) => void) | undefined): void {
    this.#listener = listener;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.#listener?.(0);
  }
}
