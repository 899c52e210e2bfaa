// PostgreSQL connections dropped under the app process: it must neither die nor answer 500; while
// the database is away the API answers 503 (the step retries), and works again once it is back.
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AppHarness } from '../app/harness.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { PgCluster } from './pg-cluster.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

const shared = new AppHarness();
shared.database = { url: TEST_DATABASE_URL, schema: `t_${randomBytes(6).toString('hex')}` };
const own = new AppHarness();
own.env = { READYZ_CACHE_SECONDS: '0' }; // each /readyz checks afresh: the test watches it change
let cluster: PgCluster | undefined;
afterAll(async () => {
  await shared.stop();
  await own.stop();
  await cluster?.destroy();
});

/** Resolves when the app process logs a line matching `re`; rejects if it exits first. */
function logged(h: AppHarness, child: ChildProcess, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    if (h.logs.some((l) => re.test(l))) return resolve();
    child.stdout!.on('data', (chunk: Buffer) => re.test(chunk.toString()) && resolve());
    child.once('exit', (code, signal) => reject(new Error(`the app exited (${code ?? signal})`)));
  });
}

async function readyz(url: string): Promise<{ status: number; message: string }> {
  const res = await fetch(`${url}/readyz`);
  const body = (await res.json()) as { error?: { message: string } };
  return { status: res.status, message: body.error?.message ?? '' };
}

describe('the app process on PostgreSQL', () => {
  it('survives its idle pooled connections being terminated at the server', async () => {
    await shared.start({ 'p.yml': POLICY }, { app: false });
    const child = await shared.startAppProcess();
    expect((await shared.request(await shared.step({ runId: 1 }))).status).toBe(201);
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const cut = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle'",
        [`jit-approvals ${shared.database!.schema}`],
      );
      expect(cut.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    await logged(shared, child, /PostgreSQL connection lost/);
    expect((await shared.request(await shared.step({ runId: 2 }))).status).toBe(201);
    expect(child.exitCode).toBeNull();
  });

  it('two instances answer 503 while their database is down, and work again once it is back, listening once each', async () => {
    cluster = await PgCluster.create();
    own.database = { url: cluster.url(), schema: 'jit' };
    await own.start({ 'p.yml': POLICY }, { app: false });
    const instances: { child: ChildProcess; url: string }[] = [];
    for (let i = 0; i < 2; i++) {
      const child = await own.startAppProcess();
      instances.push({ child, url: own.url });
    }
    let run = 0;
    for (const { url } of instances) {
      own.url = url;
      expect((await own.request(await own.step({ runId: ++run }))).status).toBe(201);
    }

    await cluster.stop();
    for (const { child, url } of instances) {
      own.url = url;
      const refused = await own.request(await own.step({ runId: ++run }));
      expect(refused).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
      expect(refused.body.error!.message).toMatch(/PostgreSQL .*DATABASE_URL/);
      expect(await readyz(url)).toMatchObject({ status: 503, message: expect.stringMatching(/PostgreSQL/) });
      expect(child.exitCode).toBeNull();
    }

    await cluster.start();
    for (const { child, url } of instances) {
      own.url = url;
      expect((await own.request(await own.step({ runId: ++run }))).status).toBe(201);
      expect((await readyz(url)).status).toBe(200);
      expect(child.exitCode).toBeNull();
    }
    // Each instance listens again on exactly one connection; the listener reconnects on its own
    // backoff, so wait for it as an operator's check would.
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    try {
      await vi.waitFor(
        async () => {
          const { rows } = await admin.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'jit-approvals listen%'",
          );
          expect(rows[0].n).toBe(2);
        },
        { timeout: 10_000, interval: 200 },
      );
    } finally {
      await admin.end();
    }
  });
});
