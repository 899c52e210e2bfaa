import type pg from 'pg';
import type { StoreLog } from './pg-errors.ts';
import { PgListener } from './pg-listener.ts';
import { migrate } from './pg-migrations.ts';
import type { NewAuditEvent } from '../audit/append.ts';
import { extendChain } from './pg-audit.ts';
import type { KeyRing } from '../crypto/keys.ts';
import { PgJournal } from './pg-journal.ts';
import { PgOutbox } from './pg-outbox.ts';
import { PgPools } from './pg-pools.ts';
import { PgReads, requestFromPgRow } from './pg-reads.ts';
import type { EffectDue } from '../domain/effects.ts';
import { PgWebRecords } from './pg-web.ts';
import { approvedHeadSql, approvedHeads, decides, requestColumns, requestSql } from './rows.ts';
import type { AuditEvent } from '../audit/event.ts';
import type { RequestAudit, Store, StoreOptions } from './types.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { StoredVote } from '../domain/vote.ts';

/** Channel on which every instance hears that a request changed (LISTEN/NOTIFY). */
const CHANNEL = 'jit_request_changed';

const REQUEST_SQL = requestSql((i) => `$${i}`);
const APPROVED_HEAD_SQL = approvedHeadSql((i) => `$${i}`);

/**
 * PostgreSQL, for several app instances on one database. Chosen when DATABASE_URL is set. Its
 * reads are `PgReads`; here are the writes (each with its audit events and effects, in one
 * transaction), the locks and the news of other instances' saves.
 */
export class PgStore extends PgReads implements Store {
  readonly #pools: PgPools;
  /** The LISTEN connection (re-made when it drops, started by the first subscriber), and who hears it. */
  readonly #listener: PgListener;
  #listening: Promise<void> | undefined;
  readonly #listeners: { listener: (requestId: string) => void; onGap?: (() => void) | undefined }[] = [];
  readonly #keys: KeyRing | undefined;
  readonly journal: PgJournal;
  readonly outbox = new PgOutbox({
    query: (text, values) => this.query(text, values),
    tx: (work) => this.#tx(work),
  });
  readonly #now: () => number;
  readonly web = new PgWebRecords((text, values) => this.query(text, values));

  private constructor(
    url: string,
    schema: string,
    log: StoreLog,
    keys: KeyRing | undefined,
    now: () => number,
  ) {
    super();
    this.#now = now;
    this.#keys = keys;
    this.journal = new PgJournal({
      query: (text, values) => this.query(text, values),
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
    this.#pools = new PgPools(url, schema, log);
  }

  protected query(text: string, values?: unknown[]): Promise<pg.QueryResult> {
    return this.#pools.query(text, values);
  }

  #tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#pools.tx(work);
  }

  async reserveWrite(installationId: number, intervalMs: number, toleranceMs: number): Promise<number> {
    // The database's clock, not each instance's: one schedule whatever the instances' clocks say.
    const { rows } = await this.query(
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

  exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    return this.#pools.exclusive(id, work);
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

  async #recordApproval(c: pg.PoolClient, r: StoredRequest): Promise<void> {
    for (const row of approvedHeads(r)) await c.query(APPROVED_HEAD_SQL, row);
  }

  async createRequest(
    r: StoredRequest,
    effects: readonly EffectDue[] = [],
    audit: readonly RequestAudit[] = [],
  ): Promise<{ request: StoredRequest; created: boolean }> {
    const values = [...requestColumns(r), r.id, r.key];
    const insert = `${REQUEST_SQL.insert} ON CONFLICT (key) DO NOTHING`;
    const inserted =
      effects.length === 0 && audit.length === 0 && approvedHeads(r).length === 0
        ? await this.query(insert, values)
        : await this.#tx(async (c) => {
            const res = await c.query(insert, values);
            if (res.rowCount !== 1) return res;
            await this.#recordApproval(c, r);
            for (const e of audit) await this.#extendChain(c, { ...e, requestId: r.id }, e.at);
            await this.outbox.writeIn(c, effects, this.#now());
            return res;
          });
    if (inserted.rowCount === 1) return { request: { ...r, version: 1 }, created: true };
    const existing = await this.query('SELECT * FROM requests WHERE key = $1', [r.key]);
    return { request: requestFromPgRow(existing.rows[0])!, created: false };
  }

  async saveRequest(
    r: StoredRequest,
    audit: readonly RequestAudit[] = [],
    effects: readonly EffectDue[] = [],
  ): Promise<boolean> {
    if (audit.length === 0 && effects.length === 0) {
      // One statement (so one transaction, one round trip): the update and its notification.
      const values = [...requestColumns(r), r.id, r.version];
      const res = await this.query(
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
      if (decides(audit)) await this.#recordApproval(c, r);
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
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#listener.close();
    await this.#pools.end();
  }
}
