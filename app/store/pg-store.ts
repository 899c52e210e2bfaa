import pg from 'pg';
import { auditFromRow, nextAuditEvent, requestColumns } from './rows.ts';
import type { AuditEvent, Store, StoredRequest, StoredVote } from './types.ts';

const MIGRATIONS = [
  `CREATE TABLE requests (
     id TEXT PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,
     status TEXT NOT NULL,
     check_run_id BIGINT,
     repository_id TEXT NOT NULL,
     run_id TEXT NOT NULL,
     run_attempt TEXT NOT NULL,
     token_unrevoked BOOLEAN NOT NULL DEFAULT false,
     version INTEGER NOT NULL,
     body JSONB NOT NULL
   );
   CREATE INDEX requests_status ON requests(status);
   CREATE INDEX requests_check_run ON requests(check_run_id);
   CREATE INDEX requests_run ON requests(repository_id, run_id, run_attempt);
   CREATE INDEX requests_unrevoked ON requests(token_unrevoked) WHERE token_unrevoked;
   CREATE TABLE votes (
     request_id TEXT NOT NULL,
     voter_id BIGINT NOT NULL,
     voter_login TEXT NOT NULL,
     decision TEXT NOT NULL,
     at BIGINT NOT NULL,
     seq BIGSERIAL,
     teams JSONB NOT NULL,
     PRIMARY KEY (request_id, voter_id)
   );
   CREATE TABLE deliveries (id TEXT PRIMARY KEY, at BIGINT NOT NULL);
   CREATE TABLE audit (
     seq BIGINT PRIMARY KEY,
     at BIGINT NOT NULL,
     type TEXT NOT NULL,
     request_id TEXT,
     data JSONB NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   );`,
  // Sweeps ask for what is due, not for every pending request.
  `ALTER TABLE requests ADD COLUMN expires_at BIGINT;
   ALTER TABLE requests ADD COLUMN revoke_at BIGINT;
   UPDATE requests SET expires_at = (body->>'expiresAt')::bigint, revoke_at = (body->'token'->>'revokeAt')::bigint;
   CREATE INDEX requests_due ON requests(status, expires_at);
   CREATE INDEX requests_revoke ON requests(revoke_at) WHERE token_unrevoked;`,
];

/** Channel on which every instance hears that a request changed (LISTEN/NOTIFY). */
const CHANNEL = 'jit_request_changed';
/** Advisory lock keys: migrations, and appending to the audit chain. */
const MIGRATION_LOCK = 7_400_001;
const AUDIT_LOCK = 7_400_002;
/**
 * Requests are locked with the two-key form `(REQUEST_LOCKS, hashtext(id))`, a key space apart
 * from the one-key locks above. Two ids that hash alike only wait for each other.
 */
const REQUEST_LOCKS = 7_400;
/** Connections that hold request locks: as many requests as one instance works on at once. */
const LOCK_CONNECTIONS = 32;

type Row = Record<string, unknown>;
const toRequest = (row: Row | undefined): StoredRequest | undefined =>
  row ? { ...(row.body as StoredRequest), version: Number(row.version) } : undefined;

/** PostgreSQL, for several app instances on one database. Chosen when DATABASE_URL is set. */
export class PgStore implements Store {
  readonly #pool: pg.Pool;
  /** Apart from `#pool`: a lock holder's own store calls must never wait for a lock connection. */
  readonly #locks: pg.Pool;
  /** The LISTEN connection (re-made when it drops), and who hears it. */
  #listener: Promise<pg.Client> | undefined;
  readonly #listeners: { listener: (requestId: string) => void; onGap?: (() => void) | undefined }[] = [];
  #closed = false;
  readonly #url: string;
  readonly #schema: string;

  private constructor(url: string, schema: string) {
    this.#url = url;
    this.#schema = schema;
    this.#pool = new pg.Pool({
      connectionString: url,
      max: 10,
      options: `-c search_path=${schema}`,
      application_name: 'jit-approvals',
    });
    this.#locks = new pg.Pool({
      connectionString: url,
      max: LOCK_CONNECTIONS,
      application_name: 'jit-approvals locks',
    });
    // A lock connection that drops (server restart) already lost its locks; just let it go.
    this.#locks.on('error', () => undefined);
  }

  async exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    const c = await this.#locks.connect();
    let broken: Error | undefined;
    try {
      await c.query('SELECT pg_advisory_lock($1, hashtext($2))', [REQUEST_LOCKS, id]);
      return await work();
    } finally {
      await c
        .query('SELECT pg_advisory_unlock($1, hashtext($2))', [REQUEST_LOCKS, id])
        .catch((err: Error) => (broken = err));
      // A connection whose unlock failed may still hold the lock: close it, which releases it.
      c.release(broken);
    }
  }

  /** Connects and runs the migrations (one instance at a time, under an advisory lock). */
  static async open(url: string, schema = 'public'): Promise<PgStore> {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    const store = new PgStore(url, schema);
    await store.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await c.query('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY)');
      const done = Number((await c.query('SELECT COALESCE(MAX(version), 0) AS v FROM migrations')).rows[0].v);
      for (const [i, sql] of MIGRATIONS.slice(done).entries()) {
        await c.query(sql);
        await c.query('INSERT INTO migrations (version) VALUES ($1)', [done + i + 1]);
      }
    });
    return store;
  }

  async #tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      const result = await work(c);
      await c.query('COMMIT');
      return result;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async createRequest(r: StoredRequest): Promise<{ request: StoredRequest; created: boolean }> {
    const inserted = await this.#pool.query(
      `INSERT INTO requests (status, check_run_id, repository_id, run_id, run_attempt, token_unrevoked, body, expires_at, revoke_at, id, key, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1) ON CONFLICT (key) DO NOTHING`,
      [...requestColumns(r), r.id, r.key],
    );
    if (inserted.rowCount === 1) return { request: { ...r, version: 1 }, created: true };
    const existing = await this.#pool.query('SELECT * FROM requests WHERE key = $1', [r.key]);
    return { request: toRequest(existing.rows[0])!, created: false };
  }

  async getRequest(id: string): Promise<StoredRequest | undefined> {
    return toRequest((await this.#pool.query('SELECT * FROM requests WHERE id = $1', [id])).rows[0]);
  }

  async findByCheckRun(checkRunId: number): Promise<StoredRequest | undefined> {
    return toRequest(
      (await this.#pool.query('SELECT * FROM requests WHERE check_run_id = $1', [checkRunId])).rows[0],
    );
  }

  async saveRequest(r: StoredRequest): Promise<boolean> {
    const result = await this.#tx(async (c) => {
      const res = await c.query(
        `UPDATE requests SET status = $1, check_run_id = $2, repository_id = $3, run_id = $4, run_attempt = $5,
           token_unrevoked = $6, body = $7, expires_at = $8, revoke_at = $9, version = version + 1 WHERE id = $10 AND version = $11`,
        [...requestColumns(r), r.id, r.version],
      );
      if (res.rowCount === 1) await c.query('SELECT pg_notify($1, $2)', [CHANNEL, r.id]);
      return res.rowCount === 1;
    });
    if (result) r.version++;
    return result;
  }

  async putVote(v: StoredVote): Promise<void> {
    await this.#pool.query(
      `INSERT INTO votes (request_id, voter_id, voter_login, decision, at, teams) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (request_id, voter_id) DO UPDATE SET decision = excluded.decision, at = excluded.at,
         voter_login = excluded.voter_login, teams = excluded.teams, seq = nextval(pg_get_serial_sequence('votes', 'seq'))`,
      [v.requestId, v.voterId, v.voterLogin, v.decision, v.at, JSON.stringify(v.teams)],
    );
  }

  async votes(requestId: string): Promise<StoredVote[]> {
    const { rows } = await this.#pool.query('SELECT * FROM votes WHERE request_id = $1 ORDER BY seq', [
      requestId,
    ]);
    return rows.map((r: Row) => ({
      requestId,
      voterId: Number(r.voter_id),
      voterLogin: String(r.voter_login),
      decision: r.decision as StoredVote['decision'],
      at: Number(r.at),
      teams: r.teams as string[],
    }));
  }

  async firstDelivery(deliveryId: string): Promise<boolean> {
    const res = await this.#pool.query(
      'INSERT INTO deliveries (id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [deliveryId, Date.now()],
    );
    return res.rowCount === 1;
  }

  async pendingRequests(dueBy?: number): Promise<StoredRequest[]> {
    const { rows } =
      dueBy === undefined
        ? await this.#pool.query("SELECT * FROM requests WHERE status = 'pending'")
        : await this.#pool.query("SELECT * FROM requests WHERE status = 'pending' AND expires_at <= $1", [
            dueBy,
          ]);
    return rows.map((r: Row) => toRequest(r)!);
  }

  async countPending(): Promise<number> {
    return Number(
      (await this.#pool.query("SELECT COUNT(*) AS n FROM requests WHERE status = 'pending'")).rows[0].n,
    );
  }

  async unrevokedTokens(dueBy?: number): Promise<StoredRequest[]> {
    const { rows } =
      dueBy === undefined
        ? await this.#pool.query('SELECT * FROM requests WHERE token_unrevoked')
        : await this.#pool.query('SELECT * FROM requests WHERE token_unrevoked AND revoke_at <= $1', [dueBy]);
    return rows.map((r: Row) => toRequest(r)!);
  }

  async requestsForRun(repositoryId: string, runId: string, runAttempt: string): Promise<StoredRequest[]> {
    const { rows } = await this.#pool.query(
      'SELECT * FROM requests WHERE repository_id = $1 AND run_id = $2 AND run_attempt = $3',
      [repositoryId, runId, runAttempt],
    );
    return rows.map((r: Row) => toRequest(r)!);
  }

  async appendAudit(
    type: string,
    requestId: string | null,
    data: Record<string, unknown>,
    at: number,
  ): Promise<AuditEvent> {
    return this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
      const last = (await c.query('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1')).rows[0] as
        Row | undefined;
      const event = nextAuditEvent(last, type, requestId, data, at);
      await c.query(
        'INSERT INTO audit (seq, at, type, request_id, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [
          event.seq,
          event.at,
          event.type,
          event.requestId,
          JSON.stringify(event.data),
          event.prevHash,
          event.hash,
        ],
      );
      return event;
    });
  }

  async auditEvents(): Promise<AuditEvent[]> {
    const { rows } = await this.#pool.query('SELECT * FROM audit ORDER BY seq');
    return rows.map(auditFromRow);
  }

  /**
   * Calls `listener` with the id of every request any instance saves. The LISTEN connection is
   * re-made when it drops (a database restart or failover), with `onGap` called once it is back:
   * saves in between were not heard.
   */
  async subscribe(listener: (requestId: string) => void, onGap?: () => void): Promise<void> {
    this.#listeners.push({ listener, onGap });
    this.#listener ??= this.#listen();
    await this.#listener;
  }

  async #listen(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.#url,
      options: `-c search_path=${this.#schema}`,
      application_name: `jit-approvals listen ${this.#schema}`,
    });
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      for (const { listener } of this.#listeners) listener(n.payload);
    });
    let lost = false;
    const reconnect = (): void => {
      if (lost || this.#closed) return;
      lost = true;
      void client.end().catch(() => undefined);
      this.#listener = this.#relisten(250);
      this.#listener.catch(() => undefined); // only `closed`, which close() expects
    };
    client.on('error', reconnect);
    client.on('end', reconnect);
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    return client;
  }

  /** Re-makes the LISTEN connection, backing off up to 5 s between tries, then reports the gap. */
  async #relisten(delayMs: number): Promise<pg.Client> {
    await new Promise((r) => setTimeout(r, delayMs).unref());
    if (this.#closed) throw new Error('closed');
    try {
      const client = await this.#listen();
      for (const { onGap } of this.#listeners) onGap?.();
      return client;
    } catch {
      return this.#relisten(Math.min(delayMs * 2, 5_000));
    }
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#listener?.then((c) => c.end()).catch(() => undefined);
    await this.#locks.end();
    await this.#pool.end();
  }
}
