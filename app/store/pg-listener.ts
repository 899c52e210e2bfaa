import pg from 'pg';
import type { StoreLog } from './pg-errors.ts';

/** How long retry `n` (from 0) of the LISTEN connection waits: 250 ms, doubling, at most 5 s. */
export const retryDelay = (n: number): number => Math.min(250 * 2 ** n, 5_000);

/** A connection attempt that neither connects nor fails (a dropped route) gives up after this. */
const CONNECT_TIMEOUT_MS = 5_000;

export interface ListenerOptions {
  url: string;
  schema: string;
  channel: string;
  onNotify(payload: string): void;
  /** The connection is back after a drop: notifications in between were missed. */
  onGap(): void;
  log: StoreLog;
}

/**
 * The LISTEN connection of one store. When it drops (a database restart, failover or a cut
 * connection) one retry chain re-makes it, backing off, and reports the gap once it is back.
 * A failed attempt's own `error` and `end` events start nothing: only the live client's do.
 */
export class PgListener {
  readonly #o: ListenerOptions;
  #client: pg.Client | undefined;
  #retry: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;

  constructor(options: ListenerOptions) {
    this.#o = options;
  }

  /** The first connection; its failure is the caller's. */
  async start(): Promise<void> {
    this.#client = await this.#connect();
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.#o.url,
      options: `-c search_path=${this.#o.schema}`,
      application_name: `jit-approvals listen ${this.#o.schema}`,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    client.on('notification', (n) => {
      if (n.channel === this.#o.channel && n.payload) this.#o.onNotify(n.payload);
    });
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.#o.channel}`);
      return client;
    } catch (err) {
      await client.end().catch(() => undefined); // its socket goes now, not at GC
      throw err;
    }
  }

  #lost(client: pg.Client, err?: Error): void {
    if (client !== this.#client || this.#closed) return;
    this.#client = undefined;
    this.#o.log.warn({ err: err?.message }, 'PostgreSQL LISTEN connection lost; reconnecting');
    void client.end().catch(() => undefined);
    this.#schedule();
  }

  #schedule(): void {
    this.#retry = setTimeout(() => void this.#reconnect(), retryDelay(this.#failures++));
    this.#retry.unref();
  }

  async #reconnect(): Promise<void> {
    this.#retry = undefined;
    if (this.#closed) return;
    let client: pg.Client;
    try {
      client = await this.#connect();
    } catch (err) {
      if (this.#closed) return;
      const next = retryDelay(this.#failures);
      this.#o.log.warn(
        { err: (err as Error).message || (err as { code?: string }).code },
        `PostgreSQL LISTEN connection still failing; next try in ${next} ms`,
      );
      return this.#schedule();
    }
    if (this.#closed) return void (await client.end().catch(() => undefined));
    this.#client = client;
    this.#failures = 0;
    this.#o.onGap();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await this.#client?.end().catch(() => undefined);
  }
}
