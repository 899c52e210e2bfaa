// A PostgreSQL server of a test's own, to stop, restart and cut without touching the machine's
// shared one: initdb into a temporary directory, its own free port, run as the `postgres` user.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../app/harness.ts';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Runs a PostgreSQL tool as the `postgres` OS user (it refuses to run as root). */
async function asPostgres(tool: string, args: string[]): Promise<void> {
  const [cmd, argv] =
    userInfo().uid === 0
      ? ['runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]]
      : [join(BIN, tool), args];
  await run(cmd, argv, { timeout: 30_000 });
}

export class PgCluster {
  readonly dir: string;
  readonly port: number;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  /** A new cluster, initialised and started (trust auth, TCP on 127.0.0.1 only, no fsync). */
  static async create(): Promise<PgCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'jit-pg-'));
    if (userInfo().uid === 0) await run('chown', ['postgres:', dir]);
    const cluster = new PgCluster(dir, await freePort());
    await asPostgres('initdb', [
      '-D',
      cluster.#data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-N',
      '--no-instructions',
    ]);
    await cluster.start();
    return cluster;
  }

  get #data(): string {
    return join(this.dir, 'data');
  }

  /** A connection URL; `port` may point at a proxy in front of the cluster. */
  url(port = this.port): string {
    return `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off`;
    await asPostgres('pg_ctl', ['-D', this.#data, '-l', join(this.dir, 'log'), '-o', options, '-w', 'start']);
  }

  /** Stops the server; `fast` ends every connection as a restart or failover does. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.#data, '-m', mode, '-w', 'stop']);
  }

  /** Stops the server (if running) and removes its files. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
