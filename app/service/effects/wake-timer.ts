/**
 * One timer that calls `kick` at the soonest time it was asked for: a later time asked while an
 * earlier one is set changes nothing. Unreferenced, so it never keeps the process up.
 */
export class WakeTimer {
  readonly #now: () => number;
  readonly #kick: () => void;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;

  constructor(now: () => number, kick: () => void) {
    this.#now = now;
    this.#kick = kick;
  }

  /** Calls `kick` at `at` (epoch ms), unless it is set to go at or before then already. */
  wakeAt(at: number): void {
    if (this.#timer && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Infinity;
        this.#kick();
      },
      Math.max(1, at - this.#now()),
    );
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
