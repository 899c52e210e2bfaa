import type { StatementSync } from 'node:sqlite';
import type { NewAuditEvent } from '../audit/append.ts';
import { deliveryFromRow, mintFromRow } from './journal-rows.ts';
import type { EffectDue } from '../domain/effects.ts';
import type { DeliveryIntent, Journal, MintIntent, RequestAudit } from './types.ts';

/** What the journal uses of the SQLite store it belongs to: its statements, transactions and chain. */
export interface SqliteParts {
  sql(text: string): StatementSync;
  /** Runs `fn` in a write transaction (after checking the database file is still the one opened). */
  transaction<T>(fn: () => T): T;
  /** Appends to the audit chain; only inside `transaction`. */
  append(e: NewAuditEvent): void;
  /** Writes effects to the outbox; only inside `transaction`. */
  effects(effects: readonly EffectDue[]): void;
}

type Row = Record<string, unknown>;

/** The journal of the embedded store: tables `deliveries` and `mints` in the same SQLite file. */
export class SqliteJournal implements Journal {
  readonly #db: SqliteParts;

  constructor(db: SqliteParts) {
    this.#db = db;
  }

  async beginDelivery(d: {
    id: string;
    input: Record<string, unknown>;
    at: number;
    retryAt: number;
  }): Promise<DeliveryIntent | null> {
    return this.#db.transaction(() => {
      this.#db
        .sql(
          "INSERT INTO deliveries (id, at, state, input, retry_at) VALUES (?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING",
        )
        .run(d.id, d.at, JSON.stringify(d.input), d.retryAt);
      const row = this.#db.sql('SELECT * FROM deliveries WHERE id = ?').get(d.id) as Row;
      return row.state === 'pending' ? deliveryFromRow(row) : null;
    });
  }

  async processed(id: string): Promise<boolean> {
    const row = this.#db.sql('SELECT state FROM deliveries WHERE id = ?').get(id) as Row | undefined;
    return row !== undefined && row.state !== 'pending';
  }

  async endDelivery(id: string, state: 'done' | 'failed'): Promise<void> {
    this.#db.transaction(() =>
      this.#db.sql('UPDATE deliveries SET state = ?, input = NULL WHERE id = ?').run(state, id),
    );
  }

  async pendingDeliveries(dueBy: number, limit: number): Promise<DeliveryIntent[]> {
    const rows = this.#db
      .sql("SELECT * FROM deliveries WHERE state = 'pending' AND retry_at <= ? ORDER BY retry_at LIMIT ?")
      .all(dueBy, limit) as Row[];
    return rows.map(deliveryFromRow);
  }

  async retryDelivery(id: string, retryAt: number): Promise<void> {
    this.#db.transaction(() =>
      this.#db
        .sql('UPDATE deliveries SET attempts = attempts + 1, retry_at = ? WHERE id = ?')
        .run(retryAt, id),
    );
  }

  async openMint(m: Omit<MintIntent, 'minted'>, effects: readonly EffectDue[] = []): Promise<void> {
    this.#db.transaction(() => {
      this.#db
        .sql('INSERT INTO mints (id, request_id, secret_hash, at) VALUES (?, ?, ?, ?)')
        .run(m.id, m.requestId, m.secretHash, m.at);
      this.#db.effects(effects);
    });
  }

  async sealMint(id: string, minted: NonNullable<MintIntent['minted']>): Promise<void> {
    const changed = this.#db.transaction(
      () => this.#db.sql('UPDATE mints SET minted = ? WHERE id = ?').run(JSON.stringify(minted), id).changes,
    );
    if (changed !== 1) throw new Error(`mint ${id} is not journalled`);
  }

  async closeMint(id: string, audit: RequestAudit[]): Promise<boolean> {
    return this.#db.transaction(() => {
      const row = this.#db.sql('DELETE FROM mints WHERE id = ? RETURNING request_id').get(id) as
        Row | undefined;
      if (!row) return false;
      for (const e of audit) this.#db.append({ ...e, requestId: String(row.request_id) });
      return true;
    });
  }

  async openMints(before: number, limit: number): Promise<MintIntent[]> {
    const rows = this.#db
      .sql('SELECT * FROM mints WHERE at <= ? ORDER BY at LIMIT ?')
      .all(before, limit) as Row[];
    return rows.map(mintFromRow);
  }

  async mint(id: string): Promise<MintIntent | undefined> {
    const row = this.#db.sql('SELECT * FROM mints WHERE id = ?').get(id) as Row | undefined;
    return row && mintFromRow(row);
  }
}
