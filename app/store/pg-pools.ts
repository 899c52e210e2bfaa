import pg from 'pg';
import { isConnectionError, reachable, unreachable, type StoreLog } from './pg-errors.ts';

/**
 * Requests are locked with the two-key form `(REQUEST_LOCKS, hashtext(id))`, a key space apart
 * from the one-key locks of migrations and the audit chain. Two ids that hash alike only wait for
 * each other.
 */
const REQUEST_LOCKS = 7_400;
/** Connections that hold request locks: as many requests as one instance works on at once. */
const LOCK_CONNECTIONS = 32;
/** A connection attempt that neither connects nor fails (a dropped route) gives up after this. */
const CONNECT_TIMEOUT_MS = 5_000;
/** How long `end` waits for connections still in use. */
const CLOSE_WAIT_MS = 2_000;

/**
 * The PostgreSQL store's two connection pools: one for queries and transactions in `schema`, and
 * one apart for request locks, so that a lock holder's own store calls never wait for a lock
 * connection. A refused or lost connection becomes `unavailable` (503), never a crash.
 */
export class PgPools {
  readonly #pool: pg.Pool;
  readonly #locks: pg.Pool;
  readonly #log: StoreLog;

  constructor(url: string, schema: string, log: StoreLog) {
    this.#log = log;
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

  query(text: string, values?: unknown[]): Promise<pg.QueryResult> {
    return reachable(this.#pool.query(text, values));
  }

  /** Runs `work` in a transaction on one connection: committed when it returns, rolled back when it throws. */
  async tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
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

  /** Runs `work` holding request `id`'s advisory lock, on a lock connection of its own. */
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
   * Closes the connections. A connection still held by work that never ends (a call that hangs
   * under a request's lock) is not waited for past `CLOSE_WAIT_MS`: the process is going anyway,
   * and the server drops its session locks with the connection.
   */
  async end(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)));
    await Promise.race([Promise.all([this.#locks.end(), this.#pool.end()]), late]);
    clearTimeout(timer);
  }
}
