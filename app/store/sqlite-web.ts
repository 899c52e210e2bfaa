import type { StatementSync } from 'node:sqlite';
import type { WebRecordKind, WebRecords } from './types.ts';

type Row = Record<string, unknown>;

/** The approval page's sessions in the SQLite file (table `web_records`). */
export class SqliteWebRecords implements WebRecords {
  readonly #sql: (text: string) => StatementSync;

  constructor(sql: (text: string) => StatementSync) {
    this.#sql = sql;
  }

  async put(kind: WebRecordKind, keyHash: string, data: Record<string, unknown>, expiresAt: number) {
    this.#sql(
      `INSERT INTO web_records (kind, key_hash, data, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (kind, key_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
    ).run(kind, keyHash, JSON.stringify(data), expiresAt);
  }

  async get(kind: WebRecordKind, keyHash: string, now: number) {
    const row = this.#sql(
      'SELECT data FROM web_records WHERE kind = ? AND key_hash = ? AND expires_at > ?',
    ).get(kind, keyHash, now) as Row | undefined;
    return row && (JSON.parse(String(row.data)) as Record<string, unknown>);
  }

  async delete(kind: WebRecordKind, keyHash: string) {
    this.#sql('DELETE FROM web_records WHERE kind = ? AND key_hash = ?').run(kind, keyHash);
  }

  async prune(now: number) {
    return Number(this.#sql('DELETE FROM web_records WHERE expires_at <= ?').run(now).changes);
  }
}
