import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { checkWritable, lockDataDir } from './data-dir.ts';
import { FileIdentity, replacedError } from './file-identity.ts';
import { PRAGMAS, restoreRemovedFile } from './sqlite-recovery.ts';
import { planAppend, type NewAuditEvent } from '../audit/append.ts';
import type { KeyRing } from '../crypto/keys.ts';
import {
  auditFromRow,
  auditValues,
  headFromRow,
  requestColumns,
  requestFromBody,
  requestSql,
  voteFromRow,
} from './rows.ts';
import { MIGRATIONS } from './sqlite-migrations.ts';
import { SqliteJournal } from './sqlite-journal.ts';
import { SqliteOutbox } from './sqlite-outbox.ts';
import type { EffectDue } from '../domain/effects.ts';
import { SqliteWebRecords } from './sqlite-web.ts';
import type { AuditEvent } from '../audit/event.ts';
import type { RequestAudit, Store, StoreOptions } from './types.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { StoredVote } from '../domain/vote.ts';

const REQUEST_SQL = requestSql(() => '?');

type Row = Record<string, unknown>;
const toRequest = (row: Row | undefined): StoredRequest | undefined =>
  row
    ? requestFromBody(JSON.parse(String(row.body)) as Record<string, unknown>, Number(row.version))
    : undefined;

/**
 * The embedded store: one SQLite file in DATA_DIR, WAL mode, nothing to install. One process
 * owns DATA_DIR (a lock file); `readOnly` opens it beside that owner, for reading (the CLI).
 */
/** The requests of a thread (indexes requests_thread, requests_issue_thread): pending ones first. */
const THREAD_SQL = `SELECT * FROM requests WHERE id IN (
    SELECT id FROM requests WHERE repository_id = ? AND thread = ?
    UNION SELECT id FROM requests WHERE repository_id = ? AND issue_thread = ?)
  ORDER BY status = 'pending' DESC, expires_at DESC LIMIT ?`;

export class SqliteStore implements Store {
  #db: DatabaseSync;
  #lock: DatabaseSync | undefined;
  #files: FileIdentity | undefined;
  readonly #dataDir: string;
  readonly #log: StoreOptions['log'];
  readonly #keys: KeyRing | undefined;
  readonly journal: SqliteJournal;
  readonly outbox = new SqliteOutbox({
    sql: (text) => this.#sql(text),
    transaction: (fn) => this.#transaction(fn),
  });
  readonly #now: () => number;
  readonly web = new SqliteWebRecords((text) => this.#sql(text));

  /**
   * With `options.auditKeys` the store may append to the audit chain (and seals or checks it now);
   * with `options.readOnly` it only reads, beside the running app that owns DATA_DIR.
   */
  constructor(dataDir: string, options: StoreOptions = {}) {
    const file = join(dataDir, 'jit-approvals.sqlite');
    this.#dataDir = dataDir;
    this.#log = options.log;
    this.#keys = options.auditKeys;
    this.#now = options.now ?? Date.now;
    this.journal = new SqliteJournal({
      sql: (text) => this.#sql(text),
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
  #sql(text: string): StatementSync {
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

  async createRequest(
    r: StoredRequest,
    effects: readonly EffectDue[] = [],
    audit: readonly RequestAudit[] = [],
  ): Promise<{ request: StoredRequest; created: boolean }> {
    return this.#transaction(() => {
      const existing = toRequest(
        this.#sql('SELECT * FROM requests WHERE key = ?').get(r.key) as Row | undefined,
      );
      if (existing) return { request: existing, created: false };
      this.#sql(REQUEST_SQL.insert).run(...(this.#columns(r) as never[]), r.id, r.key);
      for (const e of audit) this.#extendChain({ ...e, requestId: r.id }, e.at);
      this.outbox.writeIn(effects, this.#now());
      return { request: { ...r, version: 1 }, created: true };
    });
  }

  async getRequest(id: string): Promise<StoredRequest | undefined> {
    return toRequest(this.#sql('SELECT * FROM requests WHERE id = ?').get(id) as Row | undefined);
  }

  async findByCheckRun(checkRunId: number): Promise<StoredRequest | undefined> {
    return toRequest(
      this.#sql('SELECT * FROM requests WHERE check_run_id = ?').get(checkRunId) as Row | undefined,
    );
  }

  async saveRequest(
    r: StoredRequest,
    audit: readonly RequestAudit[] = [],
    effects: readonly EffectDue[] = [],
  ): Promise<boolean> {
    const saved = this.#transaction(() => {
      const result = this.#sql(REQUEST_SQL.update).run(...(this.#columns(r) as never[]), r.id, r.version);
      if (result.changes !== 1) return false;
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
        this.#sql('SELECT 1 FROM votes WHERE request_id = ? AND delivery = ?').get(v.requestId, v.delivery)
      )
        return false;
      const written = this.#sql(
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

  async votes(requestId: string): Promise<StoredVote[]> {
    const rows = this.#sql('SELECT * FROM votes WHERE request_id = ? ORDER BY seq').all(requestId) as Row[];
    return rows.map(voteFromRow);
  }

  async pendingRequests(dueBy?: number): Promise<StoredRequest[]> {
    const rows = (
      dueBy === undefined
        ? this.#sql("SELECT * FROM requests WHERE status = 'pending'").all()
        : this.#sql("SELECT * FROM requests WHERE status = 'pending' AND expires_at <= ?").all(dueBy)
    ) as Row[];
    return rows.map((r) => toRequest(r)!);
  }

  async countPending(): Promise<number> {
    return Number((this.#sql("SELECT COUNT(*) AS n FROM requests WHERE status = 'pending'").get() as Row).n);
  }

  async unrevokedTokens(dueBy?: number): Promise<StoredRequest[]> {
    const rows = (
      dueBy === undefined
        ? this.#sql('SELECT * FROM requests WHERE token_unrevoked = 1').all()
        : this.#sql('SELECT * FROM requests WHERE token_unrevoked = 1 AND revoke_at <= ?').all(dueBy)
    ) as Row[];
    return rows.map((r) => toRequest(r)!);
  }

  async requestsOnThread(repositoryId: string, thread: string, limit: number): Promise<StoredRequest[]> {
    const rows = this.#sql(THREAD_SQL).all(repositoryId, thread, repositoryId, thread, limit) as Row[];
    return rows.map((r) => toRequest(r)!);
  }

  async requestsForRun(repositoryId: string, runId: string, runAttempt: string): Promise<StoredRequest[]> {
    const rows = this.#sql(
      'SELECT * FROM requests WHERE repository_id = ? AND run_id = ? AND run_attempt = ?',
    ).all(repositoryId, runId, runAttempt) as Row[];
    return rows.map((r) => toRequest(r)!);
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
    if (!this.#keys)
      throw new Error(
        'this store was opened without the audit key: it can read the audit log, not append to it',
      );
    const last = this.#sql('SELECT seq, hash, key_id FROM audit ORDER BY seq DESC LIMIT 1').get() as
      Row | undefined;
    const plan = planAppend(
      {
        head: headFromRow(this.#sql('SELECT * FROM audit_head WHERE id = 1').get() as Row | undefined),
        last: last && {
          seq: Number(last.seq),
          hash: String(last.hash),
          keyId: (last.key_id as string | null) ?? null,
        },
      },
      this.#keys,
      next,
      at,
    );
    for (const e of plan.events)
      this.#sql(
        'INSERT INTO audit (seq, at, type, request_id, data, prev_hash, hash, key_id, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(...(auditValues(e) as never[]));
    if (plan.head)
      this.#sql(
        `INSERT INTO audit_head (id, seq, hash, key_id, mac) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, key_id = excluded.key_id, mac = excluded.mac`,
      ).run(plan.head.seq, plan.head.hash, plan.head.keyId, plan.head.mac);
    return plan.events.at(-1);
  }

  async auditOf(requestId: string): Promise<AuditEvent[]> {
    return (this.#sql('SELECT * FROM audit WHERE request_id = ? ORDER BY seq').all(requestId) as Row[]).map(
      auditFromRow,
    );
  }

  async decidedRequests(limit: number): Promise<StoredRequest[]> {
    const rows = this.#sql(
      'SELECT * FROM requests WHERE decided_at IS NOT NULL ORDER BY decided_at DESC LIMIT ?',
    ).all(limit) as Row[];
    return rows.map((r) => toRequest(r)!);
  }

  async lastAuditEvent(requestId: string): Promise<AuditEvent | undefined> {
    const row = this.#sql('SELECT * FROM audit WHERE request_id = ? ORDER BY seq DESC LIMIT 1').get(
      requestId,
    );
    return row && auditFromRow(row as Row);
  }

  async auditEvents(): Promise<AuditEvent[]> {
    return (this.#sql('SELECT * FROM audit ORDER BY seq').all() as Row[]).map(auditFromRow);
  }

  async ping(): Promise<void> {
    this.#guard();
    this.#sql('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.#db.close();
    this.#lock?.close();
  }
}
