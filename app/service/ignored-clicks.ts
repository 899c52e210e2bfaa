import { checkRunEffect } from '../domain/effects.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { VoteInput, VoteResult } from '../domain/vote.ts';
import type { Ports } from './ports.ts';

/** Ignored votes shown on a check run at most (the newest); the total is counted apart. */
export const IGNORED_SHOWN = 20;
/** How long ignored votes are gathered before the check run shows them (one write for all). */
const FLUSH_AFTER_MS = 2_000;
/** One sender's ignored votes on one request are audited once per this long (the rest are counted). */
const AUDITED_EVERY_MS = 10 * 60_000;
/** (sender, request) pairs remembered at most for that bound (the oldest go first). */
const KEPT = 10_000;

type Ignored = StoredRequest['ignoredVotes'][number];

/**
 * Votes that change nothing, recorded without taking the request's lock: the first of each sender
 * on each request is audited at once (then once per 10 minutes), every one is counted, and the
 * check run shows them together, in one update per request every couple of seconds, in GitHub's
 * low-priority write lane, keeping the newest `IGNORED_SHOWN` and the count. So a flood of them
 * costs no GitHub write each, no audit event each, and never queues an eligible vote behind it.
 */
export class IgnoredVotes {
  readonly #pending = new Map<string, Ignored[]>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #audited = new Map<string, number>();
  readonly #p: Pick<Ports, 'ledger' | 'now' | 'log' | 'metrics' | 'effects'>;
  #flushing: Promise<void> = Promise.resolve();

  constructor(p: Pick<Ports, 'ledger' | 'now' | 'log' | 'metrics' | 'effects'>) {
    this.#p = p;
  }

  async record(r: StoredRequest, input: VoteInput, reason: string): Promise<VoteResult> {
    const { now, ledger, metrics } = this.#p;
    // A redelivery of one recorded already (shown, or gathered to be shown): recorded once.
    const earlier = [...r.ignoredVotes, ...(this.#pending.get(r.id) ?? [])].find(
      (v) => v.delivery === input.deliveryId,
    );
    if (earlier) return { counted: false, reason: earlier.reason };
    const click: Ignored = { login: input.sender.login, reason, at: now(), delivery: input.deliveryId };
    metrics.count(
      'jit_votes_ignored_total',
      'Votes that changed nothing (not eligible, the actor, decided).',
    );
    const pair = `${input.sender.id} ${r.id}`;
    const last = this.#audited.get(pair);
    if (last === undefined || now() - last >= AUDITED_EVERY_MS) {
      this.#audited.delete(pair);
      this.#audited.set(pair, now());
      if (this.#audited.size > KEPT) this.#audited.delete(this.#audited.keys().next().value!);
      await ledger.audit('vote_ignored', r.id, { voter: click.login, reason, delivery: click.delivery });
    }
    const list = this.#pending.get(r.id) ?? [];
    list.push(click);
    this.#pending.set(r.id, list.slice(-IGNORED_SHOWN));
    this.#counts.set(r.id, (this.#counts.get(r.id) ?? 0) + 1);
    if (!this.#timers.has(r.id)) {
      const timer = setTimeout(() => void this.flush(r.id), FLUSH_AFTER_MS);
      timer.unref();
      this.#timers.set(r.id, timer);
    }
    return { counted: false, reason };
  }

  /** How many were gathered per request since the last flush (the list keeps the newest only). */
  readonly #counts = new Map<string, number>();

  /** Shows the ignored votes gathered for request `id` on its check run (one save, one write). */
  flush(id: string): Promise<void> {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    const clicks = this.#pending.get(id) ?? [];
    const count = this.#counts.get(id) ?? clicks.length;
    this.#pending.delete(id);
    this.#counts.delete(id);
    if (clicks.length === 0) return this.#flushing;
    const { ledger, log } = this.#p;
    const work = ledger
      .update(id, (r) => {
        r.ignoredTotal = (r.ignoredTotal ?? r.ignoredVotes.length) + count;
        r.ignoredVotes = [...r.ignoredVotes, ...clicks].slice(-IGNORED_SHOWN);
        return { effects: [{ ...checkRunEffect(id), lane: 'low' }] };
      })
      .then(
        () => undefined,
        (err: unknown) => log.warn({ err, request: id }, 'ignored votes were not shown'),
      );
    this.#flushing = this.#flushing.then(() => work);
    return work;
  }

  /** Shows every gathered vote now, on the check runs too (tests, and before the app stops). */
  async flushAll(): Promise<void> {
    const ids = [...this.#pending.keys()];
    await Promise.all(ids.map((id) => this.flush(id)));
    await Promise.all(ids.map((id) => this.#p.effects.settle(id, { lowToo: true })));
  }
}
