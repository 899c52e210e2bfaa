import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { checkWritable, lockDataDir } from './data-dir.ts';
import { FileIdentity, replacedError } from './file-identity.ts';
import { PRAGMAS, restoreRemovedFile } from './sqlite-recovery.ts';
import type { NewAuditEvent } from '../audit/append.ts';
import type { KeyRing } from '../crypto/keys.ts';
import { approvedHeadSql, approvedHeads, decides, requestColumns, requestSql } from './rows.ts';
import { extendChain } from './sqlite-audit.ts';
import { MIGRATIONS } from './sqlite-migrations.ts';
import { SqliteJournal } from './sqlite-journal.ts';
import { SqliteOutbox } from './sqlite-outbox.ts';
import { SqliteReads, requestFromSqliteRow } from './sqlite-reads.ts';
import type { EffectDue } from '../domain/effects.ts';
import { SqliteWebRecords } from './sqlite-web.ts';
import type { AuditEvent } from '../audit/event.ts';
import type { RequestAudit, Store, StoreOptions } from './types.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { StoredVote } from '../domain/vote.ts';

const REQUEST_SQL = requestSql(() => '?');
const APPROVED_HEAD_SQL = approvedHeadSql(() => '?');

type Row = Record<string, unknown>;

/**
 * The embedded store: one SQLite file in DATA_DIR, WAL mode, nothing to install. One process
 * owns DATA_DIR (a lock file); `readOnly` opens it beside that owner, for reading (the CLI). Its
 * reads are `SqliteReads`; here are the file, its guard and the writes.
 */
export class SqliteStore extends SqliteReads implements Store {
  #db: DatabaseSync;
  #lock: DatabaseSync | undefined;
  #files: FileIdentity | undefined;
  readonly #dataDir: string;
  readonly #log: StoreOptions['log'];
  readonly #keys: KeyRing | undefined;
  readonly journal: SqliteJournal;
  readonly outbox = new SqliteOutbox({
    sql: (text) => this.sql(text),
    transaction: (fn) => this.#transaction(fn),
  });
  readonly #now: () => number;
  readonly web = new SqliteWebRecords((text) => this.sql(text));

  /**
   * With `options.auditKeys` the store may append to the audit chain (and seals or checks it now);
   * with `options.readOnly` it only reads, beside the running app that owns DATA_DIR.
   */
  constructor(dataDir: string, options: StoreOptions = {}) {
    super();
    const file = join(dataDir, 'jit-approvals.sqlite');
    this.#dataDir = dataDir;
    this.#log = options.log;
    this.#keys = options.auditKeys;
    this.#now = options.now ?? Date.now;
    this.journal = new SqliteJournal({
      sql: (text) => this.sql(text),
      transaction: (fn) => this.#transaction(fn),
      append: (e) => void this.#extendChain(e, e.at),
      effects: (effects) => void this.outbox.writeIn(effects, this.#now()),
    });
    if (options.readOnly) {
      this.#db = new DatabaseSync(file, { readOnly: true });
      return;
    }
    const lockFile = join(dataDir, 'jit-approvals.lock');
    checkWritable(dataDir, [file, `${file}-wal`, `${file}-shm`, lockFile]);
    this.#lock = lockDataDir(dataDir, lockFile);
    try {
      this.#db = new DatabaseSync(file);
      this.#files = new FileIdentity({ 'database file': file, 'lock file': lockFile });
      this.#migrate();
      // One process owns DATA_DIR: claims on effects left by one that stopped are void.
      this.#db.exec('UPDATE effects SET claimed_until = NULL WHERE claimed_until IS NOT NULL');
      if (this.#keys) this.#transaction(() => this.#extendChain(undefined, (options.now ?? Date.now)()));
    } catch (err) {
      this.#lock.close();
      throw err;
    }
  }

  #migrate(): void {
    this.#db.exec(PRAGMAS);
    this.#db.exec('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY)');
    const done = Number(
      (this.#db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM migrations').get() as Row).v,
    );
    MIGRATIONS.slice(done).forEach((sql, i) =>
      this.#transaction(() => {
        this.#db.exec(sql);
        this.#db.prepare('INSERT INTO migrations (version) VALUES (?)').run(done + i + 1);
      }),
    );
  }

  readonly #statements = new Map<string, StatementSync>();

  /** A prepared statement, prepared once per text (preparing costs more than most queries). */
  protected sql(text: string): StatementSync {
    let statement = this.#statements.get(text);
    if (!statement) this.#statements.set(text, (statement = this.#db.prepare(text)));
    return statement;
  }

  /**
   * Before each write and ping: the files the store opened are still there. A database file
   * removed under the app is written back from the open connection (nothing is lost), and a lock
   * file removed is taken again; a file replaced by another is the operator's, and is not written
   * over: every write answers 503 until the app is restarted.
   */
  #guard(): void {
    const missing = this.#files?.missing() ?? [];
    if (missing.length === 0) return;
    const replaced = missing.find((m) => m.how === 'replaced');
    if (replaced) throw replacedError(replaced);
    const file = join(this.#dataDir, 'jit-approvals.sqlite');
    const lockFile = join(this.#dataDir, 'jit-approvals.lock');
    checkWritable(this.#dataDir, [file, lockFile]);
    if (missing.some((m) => m.path === lockFile)) {
      this.#lock?.close();
      this.#lock = lockDataDir(this.#dataDir, lockFile);
    }
    if (missing.some((m) => m.path === file)) {
      this.#statements.clear();
      this.#db = restoreRemovedFile(this.#db, file);
    }
    this.#files = new FileIdentity({ 'database file': file, 'lock file': lockFile });
    this.#log?.warn(
      { removed: missing.map((m) => m.path) },
      `${missing.map((m) => m.path).join(' and ')} ${missing.length > 1 ? 'were' : 'was'} removed while the app was running; written back from the open database, nothing lost`,
    );
  }

  #transaction<T>(fn: () => T): T {
    this.#guard();
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  #columns(r: StoredRequest): unknown[] {
    const columns: unknown[] = requestColumns(r);
    columns[5] = columns[5] ? 1 : 0; // SQLite has no booleans
    return columns;
  }

  #recordApproval(r: StoredRequest): void {
    for (const row of approvedHeads(r)) this.sql(APPROVED_HEAD_SQL).run(...row);
  }

  async createRequest(
    r: StoredRequest,
    effects: readonly EffectDue[] = [],
    audit: readonly RequestAudit[] = [],
  ): Promise<{ request: StoredRequest; created: boolean }> {
    return this.#transaction(() => {
      const existing = requestFromSqliteRow(
        this.sql('SELECT * FROM requests WHERE key = ?').get(r.key) as Row | undefined,
      );
      if (existing) return { request: existing, created: false };
      this.sql(REQUEST_SQL.insert).run(...(this.#columns(r) as never[]), r.id, r.key);
      this.#recordApproval(r);
      for (const e of audit) this.#extendChain({ ...e, requestId: r.id }, e.at);
      this.outbox.writeIn(effects, this.#now());
      return { request: { ...r, version: 1 }, created: true };
    });
  }

  async saveRequest(
    r: StoredRequest,
    audit: readonly RequestAudit[] = [],
    effects: readonly EffectDue[] = [],
  ): Promise<boolean> {
    const saved = this.#transaction(() => {
      const result = this.sql(REQUEST_SQL.update).run(...(this.#columns(r) as never[]), r.id, r.version);
      if (result.changes !== 1) return false;
      if (decides(audit)) this.#recordApproval(r);
      for (const e of audit) this.#extendChain({ ...e, requestId: r.id }, e.at);
      this.outbox.writeIn(effects, this.#now());
      return true;
    });
    if (saved) r.version++;
    return saved;
  }

  async putVote(v: StoredVote, audit: RequestAudit[] = []): Promise<boolean> {
    return this.#transaction(() => {
      if (
        v.delivery &&
        this.sql('SELECT 1 FROM votes WHERE request_id = ? AND delivery = ?').get(v.requestId, v.delivery)
      )
        return false;
      const written = this.sql(
        `INSERT INTO votes (request_id, voter_id, voter_login, decision, at, teams, delivery, comment, seq)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM votes WHERE request_id = ?))
           ON CONFLICT (request_id, voter_id) DO UPDATE SET decision = excluded.decision, at = excluded.at,
             voter_login = excluded.voter_login, teams = excluded.teams, delivery = excluded.delivery,
             comment = excluded.comment, seq = excluded.seq WHERE votes.at <= excluded.at`,
      ).run(
        v.requestId,
        v.voterId,
        v.voterLogin,
        v.decision,
        v.at,
        JSON.stringify(v.teams),
        v.delivery ?? null,
        v.comment ?? null,
        v.requestId,
      );
      if (written.changes !== 1) return false;
      for (const e of audit) this.#extendChain({ ...e, requestId: v.requestId }, e.at);
      return true;
    });
  }

  async appendAudit(
    type: string,
    requestId: string | null,
    data: Record<string, unknown>,
    at: number,
  ): Promise<AuditEvent> {
    return this.#transaction(() => this.#extendChain({ type, requestId, data, at }, at)!);
  }

  /** In a transaction: appends `next` (and what the chain's state calls for) and moves the head. */
  #extendChain(next: NewAuditEvent | undefined, at: number): AuditEvent | undefined {
    return extendChain((text) => this.sql(text), this.#keys, next, at);
  }

  async ping(): Promise<void> {
    this.#guard();
    this.sql('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.#db.close();
    this.#lock?.close();
  }
}
