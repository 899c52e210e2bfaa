import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../app/audit/chain.ts';
import pg from 'pg';
import { PgStore } from '../../app/store/pg-store.ts';
import { SqliteStore } from '../../app/store/sqlite-store.ts';
import type { Store } from '../../app/store/types.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { storedRequest } from '../helpers/requests.ts';

interface Backend {
  name: string;
  open(): Promise<{ store: Store; reopen(): Promise<Store>; tamper(sql: string): unknown }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'PostgreSQL',
    async open() {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      return {
        store: await PgStore.open(TEST_DATABASE_URL, schema),
        reopen: async () => PgStore.open(TEST_DATABASE_URL, schema),
        tamper: (sql) => {
          const c = new pg.Client({
            connectionString: TEST_DATABASE_URL,
            options: `-c search_path=${schema}`,
          });
          return c
            .connect()
            .then(() => c.query(sql))
            .finally(() => c.end());
        },
      };
    },
  },
  {
    name: 'SQLite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'jit-store-'));
      return {
        store: new SqliteStore(dir),
        reopen: async () => new SqliteStore(dir),
        tamper: (sql) => void new DatabaseSync(join(dir, 'jit-approvals.sqlite')).exec(sql),
      };
    },
  },
];

describe.each(BACKENDS)('$name store', (backend) => {
  const opened: Store[] = [];
  const open = async () => {
    const b = await backend.open();
    opened.push(b.store);
    return b;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  });

  it('creates a request once per key and returns the existing one after', async () => {
    const { store } = await open();
    const first = await store.createRequest(storedRequest());
    const again = await store.createRequest(storedRequest({ id: 'req_2' }));
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, request: { id: 'req_1' } });
    expect(await store.getRequest('req_2')).toBeUndefined();
  });

  it('saves with optimistic concurrency: a stale write loses', async () => {
    const { store } = await open();
    await store.createRequest(storedRequest());
    const a = (await store.getRequest('req_1'))!;
    const b = (await store.getRequest('req_1'))!;
    expect(await store.saveRequest({ ...a, status: 'approved' })).toBe(true);
    expect(await store.saveRequest({ ...b, status: 'denied' })).toBe(false);
    expect((await store.getRequest('req_1'))!.status).toBe('approved');
  });

  it('keeps one vote per voter, the latest, in the order voters first voted', async () => {
    const { store } = await open();
    await store.putVote({
      requestId: 'req_1',
      voterId: 1,
      voterLogin: 'alice',
      decision: 'deny',
      at: 1,
      teams: [],
    });
    await store.putVote({
      requestId: 'req_1',
      voterId: 2,
      voterLogin: 'bob',
      decision: 'approve',
      at: 2,
      teams: [],
    });
    await store.putVote({
      requestId: 'req_1',
      voterId: 1,
      voterLogin: 'alice',
      decision: 'approve',
      at: 3,
      teams: [],
    });
    expect((await store.votes('req_1')).map((v) => [v.voterLogin, v.decision])).toEqual([
      ['bob', 'approve'],
      ['alice', 'approve'],
    ]);
  });

  it('sees each webhook delivery id once', async () => {
    const { store } = await open();
    expect(await store.firstDelivery('d-1')).toBe(true);
    expect(await store.firstDelivery('d-1')).toBe(false);
  });

  it('finds pending requests, unrevoked tokens and the requests of a run, after a reopen', async () => {
    const { store, reopen } = await open();
    await store.createRequest(storedRequest());
    const token = {
      hash: 'h',
      sealed: 's',
      permissions: {},
      expiresAt: 9,
      revokeAt: 9,
      revokedAt: null,
      jwe: 'j',
    };
    await store.createRequest(
      storedRequest({ id: 'req_2', key: 'k2', status: 'approved', token, checkRunId: 55 }),
    );
    await store.close();
    const again = await reopen();
    opened.push(again);
    expect((await again.pendingRequests()).map((r) => r.id)).toEqual(['req_1']);
    expect((await again.unrevokedTokens()).map((r) => r.id)).toEqual(['req_2']);
    expect(await again.countPending()).toBe(1);
    // Only what is due: the request times out at 3,601,000, the token is revoked at 9.
    expect((await again.pendingRequests(3_600_999)).map((r) => r.id)).toEqual([]);
    expect((await again.pendingRequests(3_601_000)).map((r) => r.id)).toEqual(['req_1']);
    expect((await again.unrevokedTokens(8)).map((r) => r.id)).toEqual([]);
    expect((await again.unrevokedTokens(9)).map((r) => r.id)).toEqual(['req_2']);
    expect((await again.findByCheckRun(55))?.id).toBe('req_2');
    expect((await again.requestsForRun('74', '9001', '1')).map((r) => r.id).sort()).toEqual([
      'req_1',
      'req_2',
    ]);
  });

  it('chains audit events; verification finds the first changed event', async () => {
    const { store, tamper } = await open();
    for (const type of ['request', 'vote', 'decision'])
      await store.appendAudit(type, 'req_1', { n: type }, 1000);
    expect(verifyChain(await store.auditEvents())).toEqual({ ok: true, events: 3 });
    await tamper(`UPDATE audit SET data = '{"n":"approved by mallory"}' WHERE seq = 2`);
    expect(verifyChain(await store.auditEvents())).toMatchObject({
      ok: false,
      seq: 2,
      problem: expect.stringContaining('was changed'),
    });
  });

  it('verification notices a removed event', async () => {
    const { store, tamper } = await open();
    for (const type of ['a', 'b', 'c']) await store.appendAudit(type, null, {}, 1);
    await tamper('DELETE FROM audit WHERE seq = 2');
    expect(verifyChain(await store.auditEvents())).toMatchObject({ ok: false, seq: 3 });
  });
});

describe('PostgreSQL across instances', () => {
  it('wakes every instance when one saves a request (LISTEN/NOTIFY)', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const a = await PgStore.open(TEST_DATABASE_URL, schema);
    const b = await PgStore.open(TEST_DATABASE_URL, schema);
    try {
      let resolveHeard!: (id: string) => void;
      const heard = new Promise<string>((resolve) => (resolveHeard = resolve));
      await b.subscribe((id) => resolveHeard(id)); // resolves once the LISTEN is in place
      await a.createRequest(storedRequest());
      const r = (await a.getRequest('req_1'))!;
      expect(await a.saveRequest({ ...r, status: 'approved' })).toBe(true);
      expect(await heard).toBe('req_1');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps one audit chain when several instances append at once', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const stores = await Promise.all([1, 2, 3].map(() => PgStore.open(TEST_DATABASE_URL, schema)));
    try {
      await Promise.all(
        stores.flatMap((s, i) => [1, 2, 3, 4].map((n) => s.appendAudit('vote', 'req_1', { i, n }, n))),
      );
      const events = await stores[0]!.auditEvents();
      expect(events).toHaveLength(12);
      expect(verifyChain(events)).toEqual({ ok: true, events: 12 });
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it('lets one instance at a time work on a request, and different requests at once', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const [a, b] = await Promise.all([1, 2].map(() => PgStore.open(TEST_DATABASE_URL, schema)));
    try {
      const trace: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const first = a!.exclusive('req_1', async () => {
        trace.push('a in');
        entered();
        await held;
        trace.push('a out');
      });
      await inside;
      const second = b!.exclusive('req_1', async () => void trace.push('b in'));
      // Another request is not held up by req_1's lock.
      await b!.exclusive('req_2', async () => void trace.push('b other'));
      release();
      await Promise.all([first, second]);
      expect(trace).toEqual(['a in', 'b other', 'a out', 'b in']);
      // A failing holder releases the lock too.
      await expect(a!.exclusive('req_1', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await b!.exclusive('req_1', async () => 'free')).toBe('free');
    } finally {
      await a!.close();
      await b!.close();
    }
  });

  it('listens again after its LISTEN connection is cut, and reports the gap', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const [a, b] = await Promise.all([1, 2].map(() => PgStore.open(TEST_DATABASE_URL, schema)));
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const heard: string[] = [];
      let gapReported!: () => void;
      const gap = new Promise<void>((r) => (gapReported = r));
      await b!.subscribe((id) => heard.push(id), gapReported);
      const cut = await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [`jit-approvals listen ${schema}`],
      );
      expect(cut.rowCount).toBe(1);
      await gap;
      let resolveHeard!: () => void;
      const again = new Promise<void>((r) => (resolveHeard = r));
      await b!.subscribe(() => resolveHeard());
      await a!.createRequest(storedRequest());
      expect(await a!.saveRequest({ ...(await a!.getRequest('req_1'))!, status: 'approved' })).toBe(true);
      await again;
      expect(heard).toEqual(['req_1']);
    } finally {
      await admin.end();
      await a!.close();
      await b!.close();
    }
  });
});
