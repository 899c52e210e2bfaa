import type pg from 'pg';
import type { WebRecordKind, WebRecords } from './types.ts';

type Query = (text: string, values?: unknown[]) => Promise<pg.QueryResult>;

/** The approval page's sessions on PostgreSQL (table `web_records`), shared by every instance. */
export class PgWebRecords implements WebRecords {
  readonly #query: Query;

  constructor(query: Query) {
    this.#query = query;
  }

  async put(kind: WebRecordKind, keyHash: string, data: Record<string, unknown>, expiresAt: number) {
    await this.#query(
      `INSERT INTO web_records (kind, key_hash, data, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (kind, key_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
      [kind, keyHash, JSON.stringify(data), expiresAt],
    );
  }

  async get(kind: WebRecordKind, keyHash: string, now: number) {
    const { rows } = await this.#query(
      'SELECT data FROM web_records WHERE kind = $1 AND key_hash = $2 AND expires_at > $3',
      [kind, keyHash, now],
    );
    return rows[0]?.data as Record<string, unknown> | undefined;
  }

  async delete(kind: WebRecordKind, keyHash: string) {
    await this.#query('DELETE FROM web_records WHERE kind = $1 AND key_hash = $2', [kind, keyHash]);
  }

  async prune(now: number) {
    return (await this.#query('DELETE FROM web_records WHERE expires_at <= $1', [now])).rowCount ?? 0;
  }
}
