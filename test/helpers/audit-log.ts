import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { PgStore } from '../../app/store/pg-store.ts';
import { SqliteStore } from '../../app/store/sqlite-store.ts';
import type { Store, StoreOptions } from '../../app/store/types.ts';
import { TEST_DATABASE_URL } from './database.ts';

type Row = Record<string, unknown>;

/** Where one store keeps its tables, reachable three ways: as the app, as the CLI, and as raw SQL. */
export interface LogPlace {
  open(options?: StoreOptions): Promise<Store>;
  /** The CLI arguments that name this store (`--data-dir` or `--database-url` and `--schema`). */
  args: string[];
  /** Runs SQL on the store's tables directly, as someone with database access would. */
  sql(text: string): Promise<Row[]>;
}

export interface LogBackend {
  name: string;
  /** A new, empty place. */
  place(): LogPlace;
}

export const LOG_BACKENDS: LogBackend[] = [
  {
    name: 'SQLite',
    place() {
      const dir = mkdtempSync(join(tmpdir(), 'jit-audit-'));
      return {
        open: async (options) => new SqliteStore(dir, options),
        args: ['--data-dir', dir],
        sql: async (text) => {
          const db = new DatabaseSync(join(dir, 'jit-approvals.sqlite'));
          try {
            if (/^\s*SELECT/i.test(text)) return db.prepare(text).all() as Row[];
            db.exec(text);
            return [];
          } finally {
            db.close();
          }
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    place() {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      return {
        open: (options) => PgStore.open(TEST_DATABASE_URL, schema, options),
        args: ['--database-url', TEST_DATABASE_URL, '--schema', schema],
        sql: async (text) => {
          const c = new pg.Client({
            connectionString: TEST_DATABASE_URL,
            options: `-c search_path=${schema}`,
          });
          await c.connect();
          try {
            return (await c.query(text)).rows as Row[];
          } finally {
            await c.end();
          }
        },
      };
    },
  },
];

/** A new RSA private key in PEM, as GitHub hands out for an app. */
export const newPrivateKey = (): string =>
  generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
