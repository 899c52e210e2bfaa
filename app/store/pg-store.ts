import pg from 'pg';
import { isConnectionError, reachable, unreachable, type StoreLog } from './pg-errors.ts';
import { PgListener } from './pg-listener.ts';
import { migrate } from './pg-migrations.ts';
import type { NewAuditEvent } from '../audit/append.ts';
import { extendChain } from './pg-audit.ts';
import type { KeyRing } from '../crypto/keys.ts';
import { PgJournal } from './pg-journal.ts';
import { PgOutbox } from './pg-outbox.ts';
import type { EffectDue } from '../domain/effects.ts';
import { PgWebRecords } from './pg-web.ts';
import { auditFromRow, requestColumns, requestFromBody, requestSql, voteFromRow } from './rows.ts';
import type { AuditEvent } from '../audit/event.ts';
import type { RequestAudit, Store, StoreOptions } from './types.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { StoredVote } from '../domain/vote.ts';

/** Channel on which every instance hears that a request changed (LISTEN/NOTIFY). */
const CHANNEL = 'jit_request_changed';
/**
 * Requests are locked with the two-key form `(REQUEST_LOCKS, hashtext(id))`, a key space apart
 * from the one-key locks above. Two ids that hash alike only wait for each other.
 */
const REQUEST_LOCKS = 7_400;
/** Connections that hold request locks: as many requests as one instance works on at once. */
const LOCK_CONNECTIONS = 32;
/** A connection attempt that neither connects nor fails (a dropped route) gives up after this. */
const CONNECT_TIMEOUT_MS = 5_000;

const REQUEST_SQL = requestSql((i) => `$${i}`);

type Row = Record<string, unknown>;
const toRequest = (row: Row | undefined): StoredRequest | undefined =>
  row ? requestFromBody(row.body as Record<string, unknown>, Number(row.version)) : undefined;

/** PostgreSQL, for several app instances on one database. Chosen when DATABASE_URL is set. */
/** How long `close` waits for connections still in use. */
const CLOSE_WAIT_MS = 2_000;

export class PgStore implements Store {
  readonly #pool: pg.Pool;
  /** Apart from `#pool`: a lock holder's own store calls must never wait for a lock connection. */
  readonly #locks: pg.Pool;
  /** The LISTEN connection (re-made when it drops, started by the first subscriber), and who hears it. */
  readonly #listener: PgListener;
  #listening: Promise<void> | undefined;
  readonly #listeners: { listener: (requestId: string) => void; onGap?: (() => void) | undefined }[] = [];
  readonly #log: StoreLog;
  readonly #keys: KeyRing | undefined;
  readonly journal: PgJournal;
  readonly outbox = new PgOutbox({
    query: (text, values) => this.#query(text, values),
    tx: (work) => this.#tx(work),
  });
  readonly #now: () => number;
  readonly web = new PgWebRecords((text, values) => this.#query(text, values));

  private constructor(
    url: string,
    schema: string,
    log: StoreLog,
    keys: KeyRing | undefined,
    now: () => number,
  ) {
    this.#now = now;
    this.#log = log;
    this.#keys = keys;
    this.journal = new PgJournal({
      query: (text, values) => this.#query(text, values),
      tx: (work) => this.#tx(work),
      append: async (c, e) => void (await this.#extendChain(c, e, e.at)),
      effects: async (c, effects) => void (await this.outbox.writeIn(c, effects, this.#now())),
    });
    this.#listener = new PgListener({
      url,
      schema,
      channel: CHANNEL,
      log,
      onNotify: (id) => this.#listeners.forEach((l) => l.listener(id)),
      onGap: () => this.#listeners.forEach((l) => l.onGap?.()),
    });
    const common = { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true };
    this.#pool = new pg.Pool({
      ...common,
      max: 10,
      options: `-c search_path=${schema}`,
      application_name: `jit-approvals ${schema}`,
    });
    this.#locks = new pg.Pool({
      ...common,
      max: LOCK_CONNECTIONS,
      application_name: `jit-approvals locks ${schema}`,
    });
    // An idle connection that drops (a restart, a cut, pg_terminate_backend) is only logged: the
    // pool opens a new one when it is next needed. A lock connection's locks went with it.
    this.#pool.on('error', (err) => this.#lost(err));
    this.#locks.on('error', (err) => this.#lost(err));
  }

  #lost(err: Error): void {
    this.#log.warn({ err: err.message }, 'PostgreSQL connection lost; a new one is opened when needed');
  }

  /**
   * Logs the errors of a checked-out connection while `work` uses it: pg-pool listens only to
   * idle ones, and an `error` event nobody hears would end the process.
   */
  async #using<T>(c: pg.PoolClient, work: () => Promise<T>): Promise<T> {
    const onError = (err: Error): void => this.#lost(err);
    c.on('error', onError);
    try {
      return await work();
    } finally {
      c.off('error', onError);
    }
  }

  #query(text: string, values?: unknown[]): Promise<pg.QueryResult> {
    return reachable(this.#pool.query(text, values));
  }

  async reserveWrite(installationId: number, intervalMs: number, toleranceMs: number): Promise<number> {
    // The database's clock, not each instance's: one schedule whatever the instances' clocks say.
    const { rows } = await this.#query(
      `WITH clock AS (SELECT extract(epoch FROM clock_timestamp()) * 1000 AS now)
       INSERT INTO write_pacing AS w (installation_id, next_at)
         SELECT $1::bigint, now + $2::float8 FROM clock
       ON CONFLICT (installation_id)
         DO UPDATE SET next_at = GREATEST(w.next_at, (SELECT now FROM clock)) + $2::float8
       RETURNING next_at, (SELECT now FROM clock) AS now`,
      [installationId, intervalMs],
    );
    const { next_at: next, now } = rows[0] as { next_at: number; now: string | number };
    return Math.max(0, next - intervalMs - toleranceMs - Number(now));
  }

  async exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    const c = await reachable(this.#locks.connect());
    let broken: Error | undefined;
    try {
      return await this.#using(c, async () => {
        await reachable(c.query('SELECT pg_advisory_lock($1, hashtext($2))', [REQUEST_LOCKS, id]));
        return await work();
      });
    } finally {
      await c
        .query('SELECT pg_advisory_unlock($1, hashtext($2))', [REQUEST_LOCKS, id])
        .catch((err: Error) => (broken = err));
      // A connection whose unlock failed may still hold the lock: close it, which releases it.
      c.release(broken);
    }
  }

  /**
   * Connects and runs the migrations (one instance at a time, under an advisory lock). With
   * `options.auditKeys` the store may append to the audit chain (and seals or checks it now).
   */
  static async open(url: string, schema = 'public', options: StoreOptions = {}): Promise<PgStore> {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    const store = new PgStore(
      url,
      schema,
      options.log ?? { warn: () => undefined },
      options.auditKeys,
      options.now ?? Date.now,
    );
    await store.#tx((c) => migrate(c, schema));
    if (options.auditKeys) {
      const at = (options.now ?? Date.now)();
      await store
        .#tx((c) => store.#extendChain(c, undefined, at))
        .catch(async (err: unknown) => {
          await store.close();
          throw err;
        });
    }
    return store;
  }

  async #tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await reachable(this.#pool.connect());
    let broken: Error | undefined;
    try {
      return await this.#using(c, async () => {
        await c.query('BEGIN');
        const result = await work(c);
        await c.query('COMMIT');
        return result;
      });
    } catch (err) {
      if (isConnectionError(err)) broken = err as Error;
      else await c.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw unreachable(err);
    } finally {
      c.release(broken); // a broken connection is closed, not handed out again
    }
  }

  async createRequest(
    r: StoredRequest,
    effects: readonly EffectDue[] = [],
    audit: readonly RequestAudit[] = [],
  ): Promise<{ request: StoredRequest; created: boolean }> {
    const values = [...requestColumns(r), r.id, r.key];
    const insert = `${REQUEST_SQL.insert} ON CONFLICT (key) DO NOTHING`;
    const inserted =
      effects.length === 0 && audit.length === 0
        ? await this.#query(insert, values)
        : await this.#tx(async (c) => {
            const res = await c.query(insert, values);
            if (res.rowCount !== 1) return res;
            for (const e of audit) await this.#extendChain(c, { ...e, requestId: r.id }, e.at);
            await this.outbox.writeIn(c, effects, this.#now());
            return res;
          });
    if (inserted.rowCount === 1) return { request: { ...r, version: 1 }, created: true };
    const existing = await this.#query('SELECT * FROM requests WHERE key = $1', [r.key]);
    return { request: toRequest(existing.rows[0])!, created: false };
  }

  async getRequest(id: string): Promise<StoredRequest | undefined> {
    return toRequest((await this.#query('SELECT * FROM requests WHERE id = $1', [id])).rows[0]);
  }

  async findByCheckRun(checkRunId: number): Promise<StoredRequest | undefined> {
    return toRequest(
      (await this.#query('SELECT * FROM requests WHERE check_run_id = $1', [checkRunId])).rows[0],
    );
  }

  async saveRequest(
    r: StoredRequest,
    audit: readonly RequestAudit[] = [],
    effects: readonly EffectDue[] = [],
  ): Promise<boolean> {
    if (audit.length === 0 && effects.length === 0) {
      // One statement (so one transaction, one round trip): the update and its notification.
      const values = [...requestColumns(r), r.id, r.version];
      const res = await this.#query(
        `WITH saved AS (${REQUEST_SQL.update} RETURNING id) SELECT pg_notify($${values.length + 1}, id) FROM saved`,
        [...values, CHANNEL],
      );
      if (res.rowCount !== 1) return false;
      r.version++;
      return true;
    }
    const result = await this.#tx(async (c) => {
      const res = await c.query(REQUEST_SQL.update, [...requestColumns(r), r.id, r.version]);
      if (res.rowCount !== 1) return false;
      for (const e of audit) await this.#extendChain(c, { ...e, requestId: r.id }, e.at);
      await this.outbox.writeIn(c, effects, this.#now());
      await c.query('SELECT pg_notify($1, $2)', [CHANNEL, r.id]);
      return true;
    });
    if (result) r.version++;
    return result;
  }

  async putVote(v: StoredVote, audit: RequestAudit[] = []): Promise<boolean> {
    return this.#tx(async (c) => {
      if (v.delivery) {
        const seen = await c.query('SELECT 1 FROM votes WHERE request_id = $1 AND delivery = $2', [
          v.requestId,
          v.delivery,
        ]);
        if (seen.rowCount) return false;
      }
      const written = await c.query(
        `INSERT INTO votes (request_id, voter_id, voter_login, decision, at, teams, delivery, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (request_id, voter_id) DO UPDATE SET decision = excluded.decision, at = excluded.at,
           voter_login = excluded.voter_login, teams = excluded.teams, delivery = excluded.delivery,
           comment = excluded.comment, seq = nextval(pg_get_serial_sequence('votes', 'seq')) WHERE votes.at <= excluded.at`,
        [
          v.requestId,
          v.voterId,
          v.voterLogin,
          v.decision,
          v.at,
          JSON.stringify(v.teams),
          v.delivery ?? null,
          v.comment ?? null,
        ],
      );
      if (written.rowCount !== 1) return false;
      for (const e of audit) await this.#extendChain(c, { ...e, requestId: v.requestId }, e.at);
      return true;
    });
  }

  async votes(requestId: string): Promise<StoredVote[]> {
    const { rows } = await this.#query('SELECT * FROM votes WHERE request_id = $1 ORDER BY seq', [requestId]);
    return rows.map(voteFromRow);
  }

  async pendingRequests(dueBy?: number): Promise<StoredRequest[]> {
    const { rows } =
      dueBy === undefined
        ? await this.#query("SELECT * FROM requests WHERE status = 'pending'")
        : await this.#query("SELECT * FROM requests WHERE status = 'pending' AND expires_at <= $1", [dueBy]);
    return rows.map((r: Row) => toRequest(r)!);
  }

  async countPending(): Promise<number> {
    return Number(
      (await this.#query("SELECT COUNT(*) AS n FROM requests WHERE status = 'pending'")).rows[0].n,
    );
  }

  async unrevokedTokens(dueBy?: number): Promise<StoredRequest[]> {
    const { rows } =
      dueBy === undefined
        ? await this.#query('SELECT * FROM requests WHERE token_unrevoked')
        : await this.#query('SELECT * FROM requests WHERE token_unrevoked AND revoke_at <= $1', [dueBy]);
    return rows.map((r: Row) => toRequest(r)!);
  }

  async requestsOnThread(repositoryId: string, thread: string, limit: number): Promise<StoredRequest[]> {
    // Two indexed lookups (requests_thread, requests_issue_thread), pending requests first.
    const { rows } = await this.#query(
      `SELECT * FROM requests WHERE id IN (
         SELECT id FROM requests WHERE repository_id = $1 AND thread = $2
         UNION SELECT id FROM requests WHERE repository_id = $1 AND issue_thread = $2)
       ORDER BY status = 'pending' DESC, expires_at DESC LIMIT $3`,
      [repositoryId, thread, limit],
    );
    return rows.map((r: Row) => toRequest(r)!);
  }

  async requestsForRun(repositoryId: string, runId: string, runAttempt: string): Promise<StoredRequest[]> {
    const { rows } = await this.#query(
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
    return this.#tx(async (c) => (await this.#extendChain(c, { type, requestId, data, at }, at))!);
  }

  /** In a transaction: appends `next` (and what the chain's state calls for) and moves the head. */
  #extendChain(
    c: pg.PoolClient,
    next: NewAuditEvent | undefined,
    at: number,
  ): Promise<AuditEvent | undefined> {
    return extendChain(c, this.#keys, next, at);
  }

  async auditEvents(): Promise<AuditEvent[]> {
    const { rows } = await this.#query('SELECT * FROM audit ORDER BY seq');
    return rows.map(auditFromRow);
  }

  async auditOf(requestId: string): Promise<AuditEvent[]> {
    const { rows } = await this.#query('SELECT * FROM audit WHERE request_id = $1 ORDER BY seq', [requestId]);
    return rows.map(auditFromRow);
  }

  async decidedRequests(limit: number): Promise<StoredRequest[]> {
    const { rows } = await this.#query(
      'SELECT * FROM requests WHERE decided_at IS NOT NULL ORDER BY decided_at DESC LIMIT $1',
      [limit],
    );
    return rows.map((r) => toRequest(r)!);
  }

  async lastAuditEvent(requestId: string): Promise<AuditEvent | undefined> {
    const { rows } = await this.#query(
      'SELECT * FROM audit WHERE request_id = $1 ORDER BY seq DESC LIMIT 1',
      [requestId],
    );
    return rows[0] && auditFromRow(rows[0] as Row);
  }

  /**
   * Calls `listener` with the id of every request any instance saves. The LISTEN connection is
   * re-made when it drops (a database restart or failover), with `onGap` called once it is back:
   * saves in between were not heard.
   */
  async subscribe(listener: (requestId: string) => void, onGap?: () => void): Promise<void> {
    this.#listeners.push({ listener, onGap });
    this.#listening ??= this.#listener.start();
    await this.#listening;
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1');
  }

  /**
   * Closes the connections. A connection still held by work that never ends (a call that hangs
   * under a request's lock) is not waited for past `CLOSE_WAIT_MS`: the process is going anyway,
   * and the server drops its session locks with the connection.
   */
  async close(): Promise<void> {
    await this.#listener.close();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)));
    await Promise.race([Promise.all([this.#locks.end(), this.#pool.end()]), late]);
    clearTimeout(timer);
  }
}
