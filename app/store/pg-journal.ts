import type pg from 'pg';
import type { NewAuditEvent } from '../audit/append.ts';
import { deliveryFromRow, mintFromRow } from './journal-rows.ts';
import type { EffectDue } from '../domain/effects.ts';
import type { DeliveryIntent, Journal, MintIntent, RequestAudit } from './types.ts';

/** What the journal uses of the PostgreSQL store it belongs to: its queries, transactions and chain. */
export interface PgParts {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Appends to the audit chain inside the transaction of `c`. */
  append(c: pg.PoolClient, e: NewAuditEvent): Promise<void>;
  /** Writes effects to the outbox inside the transaction of `c`. */
  effects(c: pg.PoolClient, effects: readonly EffectDue[]): Promise<void>;
}

/** The journal on PostgreSQL: tables `deliveries` and `mints`, shared by every instance. */
export class PgJournal implements Journal {
  readonly #db: PgParts;

  constructor(db: PgParts) {
    this.#db = db;
  }

  async beginDelivery(d: {
    id: string;
    input: Record<string, unknown>;
    at: number;
    retryAt: number;
  }): Promise<DeliveryIntent | null> {
    await this.#db.query(
      "INSERT INTO deliveries (id, at, state, input, retry_at) VALUES ($1, $2, 'pending', $3, $4) ON CONFLICT DO NOTHING",
      [d.id, d.at, JSON.stringify(d.input), d.retryAt],
    );
    const { rows } = await this.#db.query("SELECT * FROM deliveries WHERE id = $1 AND state = 'pending'", [
      d.id,
    ]);
    return rows[0] ? deliveryFromRow(rows[0] as Record<string, unknown>) : null;
  }

  async processed(id: string): Promise<boolean> {
    const { rows } = await this.#db.query("SELECT 1 FROM deliveries WHERE id = $1 AND state <> 'pending'", [
      id,
    ]);
    return rows.length > 0;
  }

  async endDelivery(id: string, state: 'done' | 'failed'): Promise<void> {
    await this.#db.query('UPDATE deliveries SET state = $1, input = NULL WHERE id = $2', [state, id]);
  }

  async pendingDeliveries(dueBy: number, limit: number): Promise<DeliveryIntent[]> {
    const { rows } = await this.#db.query(
      "SELECT * FROM deliveries WHERE state = 'pending' AND retry_at <= $1 ORDER BY retry_at LIMIT $2",
      [dueBy, limit],
    );
    return rows.map(deliveryFromRow);
  }

  async retryDelivery(id: string, retryAt: number): Promise<void> {
    await this.#db.query('UPDATE deliveries SET attempts = attempts + 1, retry_at = $1 WHERE id = $2', [
      retryAt,
      id,
    ]);
  }

  async openMint(m: Omit<MintIntent, 'minted'>, effects: readonly EffectDue[] = []): Promise<void> {
    const insert = 'INSERT INTO mints (id, request_id, secret_hash, at) VALUES ($1, $2, $3, $4)';
    const values = [m.id, m.requestId, m.secretHash, m.at];
    if (effects.length === 0) await this.#db.query(insert, values);
    else
      await this.#db.tx(async (c) => {
        await c.query(insert, values);
        await this.#db.effects(c, effects);
      });
  }

  async sealMint(id: string, minted: NonNullable<MintIntent['minted']>): Promise<void> {
    const res = await this.#db.query('UPDATE mints SET minted = $1 WHERE id = $2', [
      JSON.stringify(minted),
      id,
    ]);
    if (res.rowCount !== 1) throw new Error(`mint ${id} is not journalled`);
  }

  async closeMint(id: string, audit: RequestAudit[]): Promise<boolean> {
    return this.#db.tx(async (c) => {
      const { rows } = await c.query('DELETE FROM mints WHERE id = $1 RETURNING request_id', [id]);
      if (!rows[0]) return false;
      for (const e of audit) await this.#db.append(c, { ...e, requestId: String(rows[0].request_id) });
      return true;
    });
  }

  async openMints(before: number, limit: number): Promise<MintIntent[]> {
    const { rows } = await this.#db.query('SELECT * FROM mints WHERE at <= $1 ORDER BY at LIMIT $2', [
      before,
      limit,
    ]);
    return rows.map(mintFromRow);
  }

  async mint(id: string): Promise<MintIntent | undefined> {
    const { rows } = await this.#db.query('SELECT * FROM mints WHERE id = $1', [id]);
    return rows[0] ? mintFromRow(rows[0] as Record<string, unknown>) : undefined;
  }
}
