import type { AuditEvent } from '../audit/event.ts';
import type { Effect, EffectDue, EffectKind } from '../domain/effects.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { StoredVote } from '../domain/vote.ts';
import { AppError } from '../errors.ts';
import type { Outbox } from '../store/outbox.ts';
import type { Journal, Store } from '../store/types.ts';
import { KeyedLock } from './locks.ts';

/** The effects a decision owes the world (what `hasten` makes due once its steps have tokens). */
const DECISION_KINDS: readonly EffectKind[] = ['check_run', 'notice', 'chat', 'gate_answer', 'review_issue'];

/** An audit event to append with a save (its time is the save's). */
export interface AuditEntry {
  type: string;
  data: Record<string, unknown>;
}

/** What a save writes besides the request: its audit events and the effects it makes due. */
export interface Change {
  audit?: readonly AuditEntry[];
  effects?: readonly EffectDue[];
  /** The request's effects that wait for later are due now (its decision's steps have their tokens). */
  hasten?: boolean;
}

/**
 * The floor of the service: the request's record and everything written with it. A save writes the
 * request, the audit events that record the change and the effects it makes due (the outbox) in one
 * transaction, or nothing; then it tells who waits on the request, and wakes the effect worker when
 * something is due now. Work on one request is serialised (`locked`), across instances too.
 */
export class Ledger {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #locks: KeyedLock;
  /** Told after each save of a request (the long-polls waiting on it). */
  readonly #saved: ((id: string) => void)[] = [];
  /** Told when a save made an effect due now (the worker). */
  readonly #due: (() => void)[] = [];

  constructor(store: Store, now: () => number) {
    this.#store = store;
    this.#now = now;
    this.#locks = new KeyedLock(store.exclusive?.bind(store));
  }

  get journal(): Journal {
    return this.#store.journal;
  }

  get outbox(): Outbox {
    return this.#store.outbox;
  }

  onSaved(listener: (id: string) => void): void {
    this.#saved.push(listener);
  }

  onDue(listener: () => void): void {
    this.#due.push(listener);
  }

  /** Runs `work` while nothing else works on request `id`, here or on another instance. */
  locked<T>(id: string, work: () => Promise<T>): Promise<T> {
    return this.#locks.run(id, work);
  }

  get(id: string): Promise<StoredRequest | undefined> {
    return this.#store.getRequest(id);
  }

  /** Request `id`, which must exist (its id came from the store). */
  async read(id: string): Promise<StoredRequest> {
    const r = await this.#store.getRequest(id);
    if (!r) throw new AppError('not_found', `no request ${id}`);
    return r;
  }

  votes(id: string): Promise<StoredVote[]> {
    return this.#store.votes(id);
  }

  lastAuditEvent(id: string): Promise<AuditEvent | undefined> {
    return this.#store.lastAuditEvent(id);
  }

  /** The store's reads by index, for use cases that find requests (a run's, a thread's, those due). */
  get find(): Pick<
    Store,
    | 'findByCheckRun'
    | 'requestsForRun'
    | 'requestsOnThread'
    | 'pendingRequests'
    | 'countPending'
    | 'countWaitingBy'
    | 'lastApproved'
    | 'awaitingChecks'
    | 'decidedRequests'
    | 'auditOf'
  > {
    return this.#store;
  }

  /** Stores a new request with its audit events and the effects it makes due, unless one with its key exists. */
  async create(r: StoredRequest, change: Change = {}): Promise<{ request: StoredRequest; created: boolean }> {
    const at = this.#now();
    const audit = (change.audit ?? []).map((e) => ({ ...e, at }));
    const created = await this.#store.createRequest(r, this.#effects(change), audit);
    if (created.created) this.#after(r.id, change);
    return created;
  }

  /**
   * Writes `r` (optimistically: `conflict` when another writer saved it since it was read) with
   * `change`, in one transaction, and tells who waits.
   */
  async save(r: StoredRequest, change: Change = {}): Promise<void> {
    const at = this.#now();
    const audit = (change.audit ?? []).map((e) => ({ ...e, at }));
    if (!(await this.#store.saveRequest(r, audit, this.#effects(change))))
      throw new AppError('conflict', `request ${r.id} was changed by another writer; try again`);
    if (change.hasten) await this.#store.outbox.hasten(r.id, this.#now(), DECISION_KINDS);
    this.#after(r.id, change);
  }

  /**
   * Reads request `id` under its lock, applies `mutate` and saves what it returns (`null`: nothing
   * to save). For small changes after an effect outside (a check run's id, a posted comment).
   */
  async update(
    id: string,
    mutate: (r: StoredRequest) => Change | null | Promise<Change | null>,
  ): Promise<StoredRequest> {
    return this.locked(id, async () => {
      const r = await this.read(id);
      const change = await mutate(r);
      if (change) await this.save(r, change);
      return r;
    });
  }

  /** Records a vote with its audit events in one transaction (see `Store.putVote`). */
  putVote(v: StoredVote, audit: readonly AuditEntry[]): Promise<boolean> {
    const at = this.#now();
    return this.#store.putVote(
      v,
      audit.map((e) => ({ ...e, at })),
    );
  }

  async audit(type: string, requestId: string | null, data: Record<string, unknown>): Promise<void> {
    await this.#store.appendAudit(type, requestId, data, this.#now());
  }

  /** Schedules effects outside a request's save; false for each whose key was taken. */
  async schedule(effects: readonly EffectDue[]): Promise<boolean[]> {
    const written = await this.#store.outbox.schedule(effects, this.#now());
    if (effects.some((e) => (e.dueAt ?? 0) <= this.#now())) this.#wake();
    return written;
  }

  /** Outstanding effects of a request. */
  outstanding(requestId: string): Promise<Effect[]> {
    return this.#store.outbox.outstanding(requestId);
  }

  /** Another instance saved request `id`: tell who waits here. */
  changedElsewhere(id: string): void {
    for (const listener of this.#saved) listener(id);
  }

  #effects(change: Change): EffectDue[] {
    const now = this.#now();
    return (change.effects ?? []).map((e) => ({ ...e, dueAt: e.dueAt ?? now }));
  }

  #after(id: string, change: Change): void {
    for (const listener of this.#saved) listener(id);
    if (change.hasten || (change.effects ?? []).some((e) => (e.dueAt ?? 0) <= this.#now())) this.#wake();
  }

  #wake(): void {
    for (const listener of this.#due) listener();
  }
}
