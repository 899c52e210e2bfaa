// A TCP proxy in front of a PostgreSQL server that records each connection attempt with the
// application_name of its startup message, so a test can count a client's reconnects.
import { EventEmitter } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

export interface Attempt {
  at: number;
  name: string;
}

/** The `application_name` in a startup message (length, protocol, then name\0value\0 pairs). */
function applicationName(startup: Buffer): string {
  const fields = startup.subarray(8, startup.readInt32BE(0)).toString('utf8').split('\0');
  const i = fields.indexOf('application_name');
  return i >= 0 ? (fields[i + 1] ?? '') : '';
}

export class PgProxy {
  readonly attempts: Attempt[] = [];
  readonly #events = new EventEmitter();
  readonly #sockets = new Set<Socket>();
  readonly #server = createServer((client) => this.#accept(client));
  readonly #target: number;
  port = 0;

  constructor(target: number) {
    this.#target = target;
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.port = (this.#server.address() as { port: number }).port;
    return this;
  }

  #accept(client: Socket): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => undefined);
    client.once('data', (startup: Buffer) => {
      this.attempts.push({ at: performance.now(), name: applicationName(startup) });
      this.#events.emit('attempt');
      const upstream = connect(this.#target, '127.0.0.1', () => {
        upstream.write(startup);
        client.pipe(upstream).pipe(client);
      });
      this.#sockets.add(upstream);
      upstream.on('close', () => (this.#sockets.delete(upstream), client.destroy()));
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
  }

  /** Attempts by clients whose application_name starts with `name`. */
  by(name: string): Attempt[] {
    return this.attempts.filter((a) => a.name.startsWith(name));
  }

  /** Resolves once `count` attempts by `name` have been made in all. */
  async reached(name: string, count: number): Promise<void> {
    while (this.by(name).length < count) await new Promise((r) => this.#events.once('attempt', r));
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((r) => this.#server.close(r));
  }
}
