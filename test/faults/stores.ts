// The two stores a fault test runs against: the app's SQLite file, and a PostgreSQL cluster of the
// test's own, which the test stops and starts with the app (never the machine's shared server).
import { randomBytes } from 'node:crypto';
import { PgStore } from '../../app/store/pg-store.ts';
import { SqliteStore } from '../../app/store/sqlite-store.ts';
import type { Store } from '../../app/store/types.ts';
import type { AppHarness } from '../app/harness.ts';
import { PgCluster } from './pg-cluster.ts';

export interface StoreUnderTest {
  name: string;
  /** Points the harness at this store (before `start`): a fresh database for each test. */
  attach(h: AppHarness): Promise<void>;
  /** Between a kill and the restart: PostgreSQL is stopped at once (`halt`) and started again. */
  restart(): Promise<void>;
  halt(): Promise<void>;
  resume(): Promise<void>;
  /** The store as another process reads it, beside the running app. */
  read<T>(h: AppHarness, look: (store: Store) => Promise<T>): Promise<T>;
  /** After every test of the file. */
  destroy(): Promise<void>;
}

export const sqlite: StoreUnderTest = {
  name: 'SQLite',
  attach: async () => undefined,
  restart: async () => undefined,
  halt: async () => undefined,
  resume: async () => undefined,
  async read(h, look) {
    const store = new SqliteStore(h.dataDir, { readOnly: true });
    try {
      return await look(store);
    } finally {
      await store.close();
    }
  },
  destroy: async () => undefined,
};

/** A PostgreSQL cluster made on first use, one schema per test. */
export function postgres(): StoreUnderTest {
  let cluster: PgCluster | undefined;
  return {
    name: 'PostgreSQL (a cluster of its own, stopped and started with the app)',
    async attach(h) {
      cluster ??= await PgCluster.create();
      h.database = { url: cluster.url(), schema: `f_${randomBytes(6).toString('hex')}` };
    },
    async restart() {
      await this.halt();
      await this.resume();
    },
    async halt() {
      await cluster!.stop('immediate');
    },
    async resume() {
      await cluster!.start();
    },
    async read(h, look) {
      const store = await PgStore.open(h.database!.url, h.database!.schema);
      try {
        return await look(store);
      } finally {
        await store.close();
      }
    },
    async destroy() {
      await cluster?.destroy();
      cluster = undefined;
    },
  };
}

/**
 * Kills the app process at once (SIGKILL, as an OOM kill), restarts the store where it can be
 * restarted, and starts the app again on the same port.
 */
export async function crash(h: AppHarness, store: StoreUnderTest): Promise<void> {
  const port = Number(new URL(h.url).port);
  await h.killAppProcess();
  await store.restart();
  await h.startAppProcess(port);
}
