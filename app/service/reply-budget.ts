/** How long one answer about a thread and request lasts for its sender. */
export const REPLY_WINDOW_MS = 10 * 60_000;
/** Answers one sender gets at most per window, over every thread of every repository. */
export const REPLIES_PER_SENDER = 10;
/** Keys remembered at most (the oldest go first): memory stays bounded whatever strangers send. */
const KEPT = 10_000;

/**
 * The answers to comment commands that changed nothing, bounded per sender: one per sender,
 * thread and request per 10 minutes, at most `REPLIES_PER_SENDER` per sender per 10 minutes in all,
 * and one per edited comment ever (while remembered). A command that is not answered is still
 * recorded where it is about a request (audited as ignored); only the reply is spared.
 */
export class ReplyBudget {
  readonly #answered = new Map<string, number>();
  readonly #bySender = new Map<number, number[]>();
  readonly #now: () => number;

  readonly #inFlight = new Set<Promise<void>>();

  constructor(now: () => number) {
    this.#now = now;
  }

  /**
   * Sends an answer in the background: it goes in GitHub's low-priority write lane, which may hold
   * it behind every other write, so the delivery that asked is not kept waiting for it.
   */
  send(work: () => Promise<void>): void {
    const sent = work().finally(() => this.#inFlight.delete(sent));
    this.#inFlight.add(sent);
  }

  /** Resolves once every answer sent so far was posted or given up (tests, and before stopping). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
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
