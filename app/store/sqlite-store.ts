import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { auditFromRow, nextAuditEvent, requestColumns } from './rows.ts';
import type { AuditEvent, StoredRequest, StoredVote, Store } from './types.ts';

/** Schema versions, applied in order at start; each runs once. */
const MIGRATIONS = [
  `CREATE TABLE requests (
     id TEXT PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,
     status TEXT NOT NULL,
     check_run_id INTEGER,
     repository_id TEXT NOT NULL,
     run_id TEXT NOT NULL,
     run_attempt TEXT NOT NULL,
     token_unrevoked INTEGER NOT NULL DEFAULT 0,
     version INTEGER NOT NULL,
     body TEXT NOT NULL
   );
   CREATE INDEX requests_status ON requests(status);
   CREATE INDEX requests_check_run ON requests(check_run_id);
   CREATE INDEX requests_run ON requests(repository_id, run_id, run_attempt);
   CREATE INDEX requests_unrevoked ON requests(token_unrevoked);
   CREATE TABLE votes (
     request_id TEXT NOT NULL,
     voter_id INTEGER NOT NULL,
     voter_login TEXT NOT NULL,
     decision TEXT NOT NULL,
     at INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     teams TEXT NOT NULL,
     PRIMARY KEY (request_id, voter_id)
   );
   CREATE TABLE deliveries (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
   CREATE TABLE audit (
     seq INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     type TEXT NOT NULL,
     request_id TEXT,
     data TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   );`,
  // Sweeps ask for what is due, not for every pending request.
  `ALTER TABLE requests ADD COLUMN expires_at INTEGER;
   ALTER TABLE requests ADD COLUMN revoke_at INTEGER;
   UPDATE requests SET expires_at = json_extract(body, '$.expiresAt'), revoke_at = json_extract(body, '$.token.revokeAt');
   CREATE INDEX requests_due ON requests(status, expires_at);
   CREATE INDEX requests_revoke ON requests(token_unrevoked, revoke_at);`,
];

type Row = Record<string, unknown>;
const toRequest = (row: Row | undefined): StoredRequest | undefined =>
  row ? { ...(JSON.parse(String(row.body)) as StoredRequest), version: Number(row.version) } : undefined;

/** The embedded store: one SQLite file in DATA_DIR, WAL mode, nothing to install. */
export class SqliteStore implements Store {
  readonly #db: DatabaseSync;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.#db = new DatabaseSync(join(dataDir, 'jit-approvals.sqlite'));
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
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

  #transaction<T>(fn: () => T): T {
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

  async createRequest(r: StoredRequest): Promise<{ request: StoredRequest; created: boolean }> {
    return this.#transaction(() => {
      const existing = toRequest(
        this.#sql('SELECT * FROM requests WHERE key = ?').get(r.key) as Row | undefined,
      );
      if (existing) return { request: existing, created: false };
      this.#sql(
        'INSERT INTO requests (status, check_run_id, repository_id, run_id, run_attempt, token_unrevoked, body, expires_at, revoke_at, id, key, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)',
      ).run(...(this.#columns(r) as never[]), r.id, r.key);
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

  async saveRequest(r: StoredRequest): Promise<boolean> {
    const result = this.#sql(
      'UPDATE requests SET status = ?, check_run_id = ?, repository_id = ?, run_id = ?, run_attempt = ?, token_unrevoked = ?, body = ?, expires_at = ?, revoke_at = ?, version = version + 1 WHERE id = ? AND version = ?',
    ).run(...(this.#columns(r) as never[]), r.id, r.version);
    if (result.changes === 1) r.version++;
    return result.changes === 1;
  }

  async putVote(v: StoredVote): Promise<void> {
    this.#sql(
      `INSERT INTO votes (request_id, voter_id, voter_login, decision, at, teams, seq)
         VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM votes WHERE request_id = ?))
         ON CONFLICT (request_id, voter_id) DO UPDATE SET decision = excluded.decision, at = excluded.at,
           voter_login = excluded.voter_login, teams = excluded.teams, seq = excluded.seq`,
    ).run(v.requestId, v.voterId, v.voterLogin, v.decision, v.at, JSON.stringify(v.teams), v.requestId);
  }

  async votes(requestId: string): Promise<StoredVote[]> {
    const rows = this.#sql('SELECT * FROM votes WHERE request_id = ? ORDER BY seq').all(requestId) as Row[];
    return rows.map((r) => ({
      requestId,
      voterId: Number(r.voter_id),
      voterLogin: String(r.voter_login),
      decision: r.decision as StoredVote['decision'],
      at: Number(r.at),
      teams: JSON.parse(String(r.teams)) as string[],
    }));
  }

  async firstDelivery(deliveryId: string): Promise<boolean> {
    return (
      this.#sql('INSERT INTO deliveries (id, at) VALUES (?, ?) ON CONFLICT DO NOTHING').run(
        deliveryId,
        Date.now(),
      ).changes === 1
    );
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
    return this.#transaction(() => {
      const last = this.#sql('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as
        Row | undefined;
      const event = nextAuditEvent(last, type, requestId, data, at);
      this.#sql(
        'INSERT INTO audit (seq, at, type, request_id, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(
        event.seq,
        event.at,
        event.type,
        event.requestId,
        JSON.stringify(event.data),
        event.prevHash,
        event.hash,
      );
      return event;
    });
  }

  async auditEvents(): Promise<AuditEvent[]> {
    return (this.#sql('SELECT * FROM audit ORDER BY seq').all() as Row[]).map(auditFromRow);
  }

  async ping(): Promise<void> {
    this.#sql('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
