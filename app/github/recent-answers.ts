/**
 * Answers GitHub gave, reused for `maxAgeMs` per key, for at most `maxKept` keys (the oldest
 * asked is forgotten first). Callers asking the same key at once share one call; a call that
 * fails is not remembered. So however often a key is asked, GitHub is asked about it at most once
 * per `maxAgeMs` (while it is among those kept).
 */
export class RecentAnswers<T> {
  readonly #kept = new Map<string, { at: number; answer: Promise<T> }>();
  readonly #maxAgeMs: number;
  readonly #maxKept: number;
  readonly #now: () => number;

  constructor(o: { maxAgeMs: number; maxKept: number; now: () => number }) {
    this.#maxAgeMs = o.maxAgeMs;
    this.#maxKept = o.maxKept;
    this.#now = o.now;
  }

  /** The kept answer for `key`, or GitHub's (`ask`); always GitHub's when `fresh`. */
  get(key: string, ask: () => Promise<T>, fresh = false): Promise<T> {
    const at = this.#now();
    const kept = this.#kept.get(key);
    if (!fresh && kept && at - kept.at < this.#maxAgeMs) return kept.answer;
    const entry = { at, answer: ask() };
    this.#kept.delete(key);
    this.#kept.set(key, entry);
    if (this.#kept.size > this.#maxKept) this.#kept.delete(this.#kept.keys().next().value!);
    entry.answer.catch(() => {
      if (this.#kept.get(key) === entry) this.#kept.delete(key);
    });
    return entry.answer;
  }
}
