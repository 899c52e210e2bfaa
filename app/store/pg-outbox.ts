import type pg from 'pg';
import type { Effect, EffectDue, EffectKind } from '../domain/effects.ts';
import { effectFromRow, effectInsert, effectValues, outboxSql, type Outbox } from './outbox.ts';
import type { PgParts } from './pg-journal.ts';

type Row = Record<string, unknown>;
const SQL = outboxSql((n) => `$${n}`);
/**
 * The database's clock (ms): every instance's leases are written and compared by it, so an
 * instance whose clock runs ahead never takes over an effect another is still doing.
 */
const DB_NOW = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';
const LEASED = {
  due: `SELECT * FROM effects WHERE state = 'due' AND due_at <= $1
    AND (claimed_until IS NULL OR claimed_until <= ${DB_NOW}) ORDER BY due_at, priority, id LIMIT $2`,
  claim: `UPDATE effects SET claimed_until = ${DB_NOW} + $1, claim = $3, attempts = attempts + 1
    WHERE id = $2 AND state = 'due' AND (claimed_until IS NULL OR claimed_until <= ${DB_NOW}) RETURNING *`,
  extend: `UPDATE effects SET claimed_until = ${DB_NOW} + $1 WHERE id = $2 AND claim = $3 AND state = 'due'`,
};

/** The outbox on PostgreSQL: table `effects`, shared by every instance (leases keep workers apart). */
export class PgOutbox implements Outbox {
  readonly #db: Pick<PgParts, 'query' | 'tx'>;

  constructor(db: Pick<PgParts, 'query' | 'tx'>) {
    this.#db = db;
  }

  /** Writes `effects` in the transaction of `c`. True for each that was new or due again. */
  async writeIn(c: pg.PoolClient, effects: readonly EffectDue[], now: number): Promise<boolean[]> {
    const written: boolean[] = [];
    for (const e of effects)
      written.push(
        ((
          await c.query(
            effectInsert((n) => `$${n}`, e.kind, 'LEAST'),
            effectValues(e, now),
          )
        ).rowCount ?? 0) > 0,
      );
    return written;
  }

  async schedule(effects: readonly EffectDue[], now: number): Promise<boolean[]> {
    return this.#db.tx((c) => this.writeIn(c, effects, now));
  }

  async due(now: number, limit: number): Promise<Effect[]> {
    return (await this.#db.query(LEASED.due, [now, limit])).rows.map((r: Row) => effectFromRow(r));
  }

  async claim(id: number, _now: number, leaseMs: number, claim: string): Promise<Effect | null> {
    const { rows } = await this.#db.query(LEASED.claim, [leaseMs, id, claim]);
    return rows[0] ? effectFromRow(rows[0] as Row) : null;
  }

  async extend(id: number, claim: string, _now: number, leaseMs: number): Promise<boolean> {
    return (await this.#db.query(LEASED.extend, [leaseMs, id, claim])).rowCount === 1;
  }

  async releaseAll(): Promise<void> {
    await this.#db.query(SQL.releaseAll);
  }

  async done(id: number, generation: number, now: number): Promise<boolean> {
    if ((await this.#db.query(SQL.done, [now, id, generation])).rowCount === 1) return true;
    await this.#db.query(SQL.again, [id]);
    return false;
  }

  async retry(id: number, retryAt: number, error: string): Promise<void> {
    await this.#db.query(SQL.retry, [retryAt, error, id]);
  }

  async fail(id: number, error: string, now: number): Promise<void> {
    await this.#db.query(SQL.fail, [now, error, id]);
  }

  async hasten(requestId: string, by: number, kinds?: readonly EffectKind[]): Promise<void> {
    if (!kinds) await this.#db.query(SQL.hasten, [by, requestId]);
    else await this.#db.query(`${SQL.hasten} AND kind = ANY($3)`, [by, requestId, kinds]);
  }

  async hastenKey(key: string, by: number): Promise<void> {
    await this.#db.query(SQL.hastenKey, [by, key]);
  }

  async outstanding(requestId: string): Promise<Effect[]> {
    return (await this.#db.query(SQL.outstanding, [requestId])).rows.map((r: Row) => effectFromRow(r));
  }

  async nextDue(): Promise<number | null> {
    const at = (await this.#db.query(SQL.nextDue)).rows[0]?.at;
    return at == null ? null : Number(at);
  }

  async prune(before: number): Promise<number> {
    return (await this.#db.query(SQL.prune, [before])).rowCount ?? 0;
  }
}
