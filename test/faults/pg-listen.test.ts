// The LISTEN connection while its database is down: one retry chain, backing off from 250 ms,
// exactly one listening connection once the database is back, and one gap reported.
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PgStore } from '../../app/store/pg-store.ts';
import { retryDelay } from '../../app/store/pg-listener.ts';
import { storedRequest } from '../helpers/requests.ts';
import { PgCluster } from './pg-cluster.ts';
import { PgProxy } from './pg-proxy.ts';

let cluster: PgCluster | undefined;
let proxy: PgProxy | undefined;
afterAll(async () => {
  await proxy?.close();
  await cluster?.destroy();
});

const openFiles = (): number => readdirSync('/proc/self/fd').length;

describe('the LISTEN connection', () => {
  it('backs off from 250 ms, doubling, to at most 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(retryDelay)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
  });

  it('reconnects with one retry chain while the database is down, and listens once after', async () => {
    cluster = await PgCluster.create();
    proxy = await new PgProxy(cluster.port).start();
    const schema = 'jit';
    const listener = `jit-approvals listen ${schema}`;
    const writer = await PgStore.open(cluster.url(), schema);
    const store = await PgStore.open(cluster.url(proxy.port), schema);
    try {
      let gaps = 0;
      let gapReported!: () => void;
      const gap = new Promise<void>((r) => (gapReported = r));
      await store.subscribe(
        () => undefined,
        () => (gaps++, gapReported()),
      );
      const filesBefore = openFiles();

      const stopping = performance.now();
      await cluster.stop();
      await proxy.reached(listener, 4); // the first connection, then three retries
      const [first, second, third] = proxy
        .by(listener)
        .slice(1, 4)
        .map((a) => a.at) as [number, number, number];
      await cluster.start();
      await gap;

      // Each retry waits twice as long as the one before: 250, 500, 1000 ms (less some slack).
      expect(first - stopping).toBeGreaterThanOrEqual(200);
      expect(second - first).toBeGreaterThanOrEqual(450);
      expect(third - second).toBeGreaterThanOrEqual(900);

      // Heard again, through exactly one listening connection.
      let heard!: (id: string) => void;
      const again = new Promise<string>((r) => (heard = r));
      await store.subscribe((id) => heard(id));
      await writer.createRequest(storedRequest());
      expect(await writer.saveRequest({ ...(await writer.getRequest('req_1'))!, status: 'approved' })).toBe(
        true,
      );
      expect(await again).toBe('req_1');
      const admin = new pg.Client({ connectionString: cluster.url() });
      await admin.connect();
      try {
        const listening = await admin.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
          listener,
        ]);
        expect(listening.rowCount).toBe(1);
      } finally {
        await admin.end();
      }
      expect(gaps).toBe(1);
      expect(openFiles()).toBeLessThanOrEqual(filesBefore + 1);
    } finally {
      await store.close();
      await writer.close();
    }
  });
});
