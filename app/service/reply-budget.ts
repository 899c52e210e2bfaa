/** How long one answer about a thread and request lasts for its sender. */
export const REPLY_WINDOW_MS = 10 * 60_000;
/** Answers one sender gets at most per window, over every thread of every repository. */
export const REPLIES_PER_SENDER = 10;
/** Keys remembered at most (the oldest go first): memory stays bounded whatever strangers send. */
const KEPT = 10_000;

/**
 * The answers to comment commands that changed nothing, bounded per sender: one per sender,
 * thread and request per 10 minutes, at most `REPLIES_PER_SENDER` per sender per 10 minutes in all,
 * and one per edited comment ever (while remembered), on this instance; the outbox's keys make the
 * first bound hold across instances too. A command that is not answered is still counted.
 */
export class ReplyBudget {
  readonly #answered = new Map<string, number>();
  readonly #bySender = new Map<number, number[]>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Whether `sender` may get an answer about `key` now; if so, it is counted as given. */
  take(sender: number, about: string): boolean {
    const now = this.#now();
    const key = `${sender} ${about}`;
    const last = this.#answered.get(key);
    if (last !== undefined && (about.startsWith('edit:') || now - last < REPLY_WINDOW_MS)) return false;
    const recent = (this.#bySender.get(sender) ?? []).filter((at) => now - at < REPLY_WINDOW_MS);
    if (recent.length >= REPLIES_PER_SENDER) return false;
    this.#remember(this.#answered, key, now);
    this.#remember(this.#bySender, sender, [...recent, now]);
    return true;
  }

  #remember<K, V>(map: Map<K, V>, key: K, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > KEPT) map.delete(map.keys().next().value!);
  }
}
