import { COALESCED, PRIORITY, type Effect, type EffectDue, type EffectKind } from '../domain/effects.ts';

/**
 * The effects the app owes the world (GitHub, chat), each written as due in the same transaction as
 * the state change that causes it (`Store.saveRequest(r, audit, effects)`), and done by one worker
 * on any instance: it claims an effect for a while (a lease), does it, and marks it done; a worker
 * that stops part-way leaves it to the next once the lease ends.
 */
export interface Outbox {
  /** Schedules effects outside a request's save (a reaction, a reply): false where the key was taken. */
  schedule(effects: readonly EffectDue[], now: number): Promise<boolean[]>;
  /** Effects due by `now` and not held by a worker, the earliest (then the most urgent) first. */
  due(now: number, limit: number): Promise<Effect[]>;
  /**
   * Holds effect `id` for `leaseMs` under `claim` (a token of the claimer's) and counts the try; null
   * when it is done or held by another worker. Leases are kept by the store's clock where several
   * instances share it (PostgreSQL), so instances whose clocks differ never take each other's work.
   */
  claim(id: number, now: number, leaseMs: number, claim: string): Promise<Effect | null>;
  /** Holds a claimed effect `leaseMs` longer (a slow call): false when the claim was lost meanwhile. */
  extend(id: number, claim: string, now: number, leaseMs: number): Promise<boolean>;
  /** Lets go of every claim (one process owns the store and starts afresh: its old claims are void). */
  releaseAll(): Promise<void>;
  /** The effect was done as of `generation`: done, unless it was wanted again since (then due again). */
  done(id: number, generation: number, now: number): Promise<boolean>;
  /** The try failed: again from `retryAt`. */
  retry(id: number, retryAt: number, error: string): Promise<void>;
  /** Given up after its tries (or cannot be done): kept, marked failed, never tried again. */
  fail(id: number, error: string, now: number): Promise<void>;
  /** Makes request `requestId`'s due effects due by `by` where they are due later (a deferral ends). */
  hasten(requestId: string, by: number, kinds?: readonly EffectKind[]): Promise<void>;
  /** Makes the effect with `key` due by `by` if it is due later (a token's revocation, when its job ends). */
  hastenKey(key: string, by: number): Promise<void>;
  /** Effects of a request not done yet (due, or held by a worker). */
  outstanding(requestId: string): Promise<Effect[]>;
  /** When the earliest effect not done is due (epoch ms), or null when none is. */
  nextDue(): Promise<number | null>;
  /** Forgets effects done or failed before `before`; returns how many. */
  prune(before: number): Promise<number>;
}

/** A row of `effects`, as either store returns it (SQLite holds data as text, PostgreSQL as JSONB). */
export function effectFromRow(row: Record<string, unknown>): Effect {
  return {
    id: Number(row.id),
    key: String(row.key),
    kind: row.kind as EffectKind,
    requestId: row.request_id == null ? null : String(row.request_id),
    lane: row.lane === 'low' ? 'low' : 'normal',
    dueAt: Number(row.due_at),
    attempts: Number(row.attempts),
    generation: Number(row.generation),
    data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>,
    createdAt: Number(row.created_at),
  };
}

/** The values of an INSERT INTO effects, in both stores' column order (see `EFFECT_INSERT`). */
export const effectValues = (e: EffectDue, now: number): unknown[] => [
  e.key,
  e.kind,
  e.requestId,
  e.lane ?? 'normal',
  e.dueAt ?? now,
  PRIORITY[e.kind],
  JSON.stringify(e.data ?? {}),
  now,
];

/**
 * The insert of an effect, with `p(n)` as the n-th placeholder: a coalesced kind wanted again is
 * due again (by the earlier of the two times). Its try count starts again once it was done; once it
 * was given up, its last try's outcome is unknown, so the next try counts as a retry (it reads
 * GitHub before making anything). Any other kind is done once per key: a second insert changes
 * nothing.
 */
export function effectInsert(p: (n: number) => string, kind: EffectKind, least: 'min' | 'LEAST'): string {
  const insert = `INSERT INTO effects (key, kind, request_id, lane, due_at, priority, data, created_at)
    VALUES (${[1, 2, 3, 4, 5, 6, 7, 8].map(p).join(', ')})`;
  if (!COALESCED.has(kind)) return `${insert} ON CONFLICT (key) DO NOTHING`;
  return `${insert} ON CONFLICT (key) DO UPDATE SET
      generation = effects.generation + 1,
      data = excluded.data,
      lane = CASE WHEN effects.state = 'due' AND effects.lane = 'normal' THEN 'normal' ELSE excluded.lane END,
      due_at = CASE WHEN effects.state = 'due' THEN ${least}(effects.due_at, excluded.due_at) ELSE excluded.due_at END,
      attempts = CASE WHEN effects.state = 'due' THEN effects.attempts WHEN effects.state = 'failed' THEN 1 ELSE 0 END,
      state = 'due', done_at = NULL, error = NULL`;
}

/** The SQL of every outbox query but the insert, with `p(n)` as the n-th placeholder. */
export function outboxSql(p: (n: number) => string) {
  return {
    due: `SELECT * FROM effects WHERE state = 'due' AND due_at <= ${p(1)}
      AND (claimed_until IS NULL OR claimed_until <= ${p(1)}) ORDER BY due_at, priority, id LIMIT ${p(2)}`,
    claim: `UPDATE effects SET claimed_until = ${p(1)}, claim = ${p(4)}, attempts = attempts + 1
      WHERE id = ${p(2)} AND state = 'due' AND (claimed_until IS NULL OR claimed_until <= ${p(3)}) RETURNING *`,
    extend: `UPDATE effects SET claimed_until = ${p(1)} WHERE id = ${p(2)} AND claim = ${p(3)} AND state = 'due'`,
    releaseAll: `UPDATE effects SET claimed_until = NULL WHERE claimed_until IS NOT NULL`,
    done: `UPDATE effects SET state = 'done', done_at = ${p(1)}, claimed_until = NULL, error = NULL
      WHERE id = ${p(2)} AND generation = ${p(3)} AND state = 'due'`,
    // Wanted again while it was being done: due again, and that try's outcome is known.
    again: `UPDATE effects SET claimed_until = NULL, attempts = 0 WHERE id = ${p(1)}`,
    retry: `UPDATE effects SET claimed_until = NULL, due_at = ${p(1)}, error = ${p(2)} WHERE id = ${p(3)}`,
    fail: `UPDATE effects SET state = 'failed', claimed_until = NULL, done_at = ${p(1)}, error = ${p(2)}
      WHERE id = ${p(3)}`,
    hasten: `UPDATE effects SET due_at = ${p(1)} WHERE request_id = ${p(2)} AND state = 'due' AND due_at > ${p(1)}`,
    hastenKey: `UPDATE effects SET due_at = ${p(1)} WHERE key = ${p(2)} AND state = 'due' AND due_at > ${p(1)}`,
    outstanding: `SELECT * FROM effects WHERE request_id = ${p(1)} AND state = 'due' ORDER BY due_at, priority, id`,
    nextDue: `SELECT MIN(due_at) AS at FROM effects WHERE state = 'due'`,
    prune: `DELETE FROM effects WHERE state <> 'due' AND done_at < ${p(1)}`,
  };
}
