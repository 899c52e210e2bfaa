import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { auditKeys, verifyChain } from '../../app/audit/chain.ts';
import { auditWitness } from '../../app/audit/witness.ts';
import pg from 'pg';
import type { StoredRequest } from '../../app/domain/request.ts';
import { PgStore } from '../../app/store/pg-store.ts';
import { SqliteStore } from '../../app/store/sqlite-store.ts';
import type { Store, StoreOptions } from '../../app/store/types.ts';
import { newPrivateKey } from '../helpers/audit-log.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { leg, storedRequest } from '../helpers/requests.ts';

const KEY = newPrivateKey();
const NEXT_KEY = newPrivateKey();
/** What the app opens its store with: the audit chain's key, derived from the app's private key. */
const keyed = (pem = KEY, previous: string[] = []) => ({ auditKeys: auditKeys(pem, previous) });

interface Backend {
  name: string;
  open(): Promise<{
    store: Store;
    reopen(options?: StoreOptions): Promise<Store>;
    tamper(sql: string): unknown;
  }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'PostgreSQL',
    async open() {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      return {
        store: await PgStore.open(TEST_DATABASE_URL, schema, keyed()),
        reopen: async (options = keyed()) => PgStore.open(TEST_DATABASE_URL, schema, options),
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
        store: new SqliteStore(dir, keyed()),
        reopen: async (options = keyed()) => new SqliteStore(dir, options),
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

  it('records a vote and its audit event once per delivery; an earlier click does not replace a later one', async () => {
    const { store } = await open();
    const vote = { requestId: 'req_1', voterId: 1, voterLogin: 'alice', teams: [] };
    const audit = (n: number) => [{ type: 'vote', data: { n }, at: n }];
    expect(await store.putVote({ ...vote, decision: 'deny', at: 5, delivery: 'd-2' }, audit(1))).toBe(true);
    expect(await store.putVote({ ...vote, decision: 'deny', at: 5, delivery: 'd-2' }, audit(2))).toBe(false);
    expect(await store.putVote({ ...vote, decision: 'approve', at: 4, delivery: 'd-1' }, audit(3))).toBe(
      false,
    );
    expect(await store.votes('req_1')).toEqual([{ ...vote, decision: 'deny', at: 5, delivery: 'd-2' }]);
    expect((await store.auditEvents()).filter((e) => e.type === 'vote').map((e) => e.data.n)).toEqual([1]);
  });

  it('keeps a delivery pending until it is processed, and hands due ones to the sweep', async () => {
    const { store, reopen } = await open();
    const click = { id: 'd-1', input: { checkRunId: 7 }, at: 10, retryAt: 15 };
    expect(await store.journal.beginDelivery(click)).toEqual({
      id: 'd-1',
      input: { checkRunId: 7 },
      at: 10,
      attempts: 0,
    });
    expect(await store.journal.beginDelivery({ ...click, at: 20, retryAt: 25 })).toMatchObject({ at: 10 });
    expect(await store.journal.pendingDeliveries(14, 10)).toEqual([]);
    expect((await store.journal.pendingDeliveries(15, 10)).map((d) => d.id)).toEqual(['d-1']);
    await store.journal.retryDelivery('d-1', 40);
    expect(await store.journal.pendingDeliveries(39, 10)).toEqual([]);
    await store.close();
    const again = await reopen();
    opened.push(again);
    expect(await again.journal.pendingDeliveries(40, 10)).toMatchObject([{ id: 'd-1', attempts: 1 }]);
    await again.journal.endDelivery('d-1', 'done');
    expect(await again.journal.beginDelivery(click)).toBeNull();
    expect(await again.journal.pendingDeliveries(100, 10)).toEqual([]);
  });

  it('journals a mint until it is closed, closing it with its audit events once', async () => {
    const { store } = await open();
    await store.journal.openMint({ id: 'm-1', requestId: 'req_1', secretHash: 'f'.repeat(64), at: 10 });
    await store.journal.openMint({ id: 'm-2', requestId: 'req_2', secretHash: 'e'.repeat(64), at: 20 });
    const minted = { hash: 'h', sealed: 's', expiresAt: 99, granted: { token_sha256: 'h' } };
    await store.journal.sealMint('m-1', minted);
    await expect(store.journal.sealMint('m-3', minted)).rejects.toThrow(/not journalled/);
    expect(await store.journal.openMints(15, 10)).toEqual([
      { id: 'm-1', requestId: 'req_1', secretHash: 'f'.repeat(64), at: 10, minted },
    ]);
    expect((await store.journal.mint('m-2'))!.minted).toBeNull();
    const revoked = [{ type: 'token_revoked', data: { token_sha256: 'h' }, at: 30 }];
    expect(await store.journal.closeMint('m-1', revoked)).toBe(true);
    expect(await store.journal.closeMint('m-1', revoked)).toBe(false);
    expect(await store.journal.mint('m-1')).toBeUndefined();
    expect(
      (await store.auditEvents()).filter((e) => e.type === 'token_revoked').map((e) => e.requestId),
    ).toEqual(['req_1']);
  });

  it('an upgrade from the store before the outbox makes what the old state owed due, once', async () => {
    const b = await open();
    const old = (over: Parameters<typeof storedRequest>[0]) =>
      storedRequest({ ...over, key: over!.id!, legs: over!.legs ?? [], status: over!.status ?? 'approved' });
    const token = (over: object = {}) => ({
      hash: 'h'.repeat(64),
      sealed: 'sealed',
      expiresAt: 9_000_000,
      revokeAt: 2_000_000,
      revokedAt: null,
      ...over,
    });
    await b.store.createRequest(
      old({
        id: 'req_wait',
        status: 'pending',
        notice: {
          github: 'comment',
          webhooks: [],
          thread: { kind: 'commit', sha: 'a'.repeat(40) },
          posted: null,
          assignees: [],
        },
      }),
    );
    await b.store.createRequest(
      old({
        id: 'req_behind',
        checkRunId: 5,
        checkRunSync: { wanted: 2, shown: 1, failures: 0, retryAt: 1 },
      }),
    );
    await b.store.createRequest(
      old({ id: 'req_gate', gate: { environment: 'production', runId: 7, answered: false } }),
    );
    await b.store.createRequest(
      old({ id: 'req_gate_done', gate: { environment: 'production', runId: 8, answered: true } }),
    );
    await b.store.createRequest(old({ id: 'req_glass', breakGlassIssue: null }));
    await b.store.createRequest(old({ id: 'req_glass_done', breakGlassIssue: 12 }));
    await b.store.createRequest(old({ id: 'req_token', legs: [leg({ token: token() as never })] }));
    await b.store.createRequest(
      old({
        id: 'req_revoked',
        legs: [leg({ token: token({ hash: 'r'.repeat(64), revokedAt: 5 }) as never })],
      }),
    );
    // The database as the version before the outbox left it: the adoption has not run yet (nor the
    // migration after it, approved_heads).
    await b.tamper('DELETE FROM migrations WHERE version >= (SELECT MAX(version) - 1 FROM migrations)');
    await b.tamper('DROP TABLE approved_heads');
    await b.store.close();
    const again = await b.reopen();
    opened.push(again);
    const owed = async (id: string) => (await again.outbox.outstanding(id)).map((e) => e.key).sort();
    expect(await owed('req_wait')).toEqual(['check_run:req_wait', 'notice:req_wait']);
    expect(await owed('req_behind')).toEqual(['check_run:req_behind']);
    expect(await owed('req_gate')).toEqual(['gate:req_gate:decision']);
    expect(await owed('req_gate_done')).toEqual([]);
    expect(await owed('req_glass')).toEqual(['review:req_glass']);
    expect(await owed('req_glass_done')).toEqual([]);
    expect(await owed('req_revoked')).toEqual([]);
    const [revoke] = await again.outbox.outstanding('req_token');
    expect(revoke).toMatchObject({
      kind: 'revoke',
      key: `revoke:hash:${'h'.repeat(64)}`,
      dueAt: 2_000_000,
      data: { hash: 'h'.repeat(64) },
    });
    // Once: opening again adds nothing.
    const ids = (await again.outbox.due(Number.MAX_SAFE_INTEGER, 100)).map((e) => e.id);
    expect(ids).toHaveLength(6);
    await again.close();
    const third = await b.reopen();
    opened.push(third);
    expect((await third.outbox.due(Number.MAX_SAFE_INTEGER, 100)).map((e) => e.id)).toEqual(ids);
  });

  it('keeps the last commit each policy approved per action and environment, with the save, and fills it on upgrade', async () => {
    const b = await open();
    const approved = (id: string, sha: string, decidedAt: number, over: Partial<StoredRequest> = {}) =>
      storedRequest({
        id,
        key: id,
        status: 'approved',
        decidedAt,
        claims: { ...storedRequest().claims, sha },
        decision: { ...storedRequest().decision, outcome: 'approved', policies: ['prod', 'org:freeze'] },
        ...over,
      });
    const last = (policy = 'prod', action = 'deploy-web', environment = 'production') =>
      b.store.lastApproved('74', action, environment, policy);
    expect(await last()).toBeNull();
    await b.store.createRequest(storedRequest({ id: 'req_p', key: 'p' })); // pending: nothing
    expect(await last()).toBeNull();
    const first = approved('req_a', 'a'.repeat(40), 1_000);
    await b.store.createRequest(first);
    expect(await last()).toBe('a'.repeat(40));
    expect(await last('org:freeze')).toBe('a'.repeat(40));
    await b.store.createRequest(approved('req_b', 'b'.repeat(40), 2_000));
    expect(await last()).toBe('b'.repeat(40));
    // A later save of the older approval (its token revoked, say) never takes it back.
    expect(await b.store.saveRequest({ ...first, version: 1 })).toBe(true);
    expect(await last()).toBe('b'.repeat(40));
    expect(await last('prod', 'deploy-web', '')).toBeNull(); // another environment
    // An upgrade from before the table: it is filled from the approved requests.
    await b.tamper('DELETE FROM migrations WHERE version = (SELECT MAX(version) FROM migrations)');
    await b.tamper('DROP TABLE approved_heads');
    await b.store.close();
    const again = await b.reopen();
    opened.push(again);
    expect(await again.lastApproved('74', 'deploy-web', 'production', 'prod')).toBe('b'.repeat(40));
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
      storedRequest({ id: 'req_2', key: 'k2', status: 'approved', legs: [leg({ token })], checkRunId: 55 }),
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
    expect(verifyChain(await store.auditEvents())).toMatchObject({ ok: false, seq: 2 });
  });

  it('authenticates each event under the audit key, named by its key id', async () => {
    const { store } = await open();
    await store.appendAudit('request', 'req_1', { n: 1 }, 1000);
    const [event] = await store.auditEvents();
    expect(event).toMatchObject({
      keyId: auditKeys(KEY).current.id,
      mac: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(verifyChain(await store.auditEvents(), auditKeys(KEY))).toEqual({ ok: true, events: 1 });
    expect(verifyChain(await store.auditEvents(), auditKeys(NEXT_KEY))).toMatchObject({ ok: false, seq: 1 });
  });

  it('a store opened without the audit key reads the log but does not append to it', async () => {
    const { store, reopen } = await open();
    await store.appendAudit('request', null, {}, 1);
    const reader = await reopen({ readOnly: true }); // beside the store that owns the file
    opened.push(reader);
    expect(await reader.auditEvents()).toHaveLength(1);
    await expect(reader.appendAudit('vote', null, {}, 2)).rejects.toThrow(/without the audit key/);
  });

  it('a cut tail stays a gap: the next event follows the head checkpoint, not the last row left', async () => {
    const { store, tamper } = await open();
    for (const type of ['a', 'b', 'c']) await store.appendAudit(type, null, {}, 1);
    await tamper('DELETE FROM audit WHERE seq = 3');
    expect((await store.appendAudit('d', null, {}, 2)).seq).toBe(4);
    expect(verifyChain(await store.auditEvents(), auditKeys(KEY))).toMatchObject({ ok: false, seq: 3 });
  });

  it("the witness of a request is its last event's sequence number and chain hash", async () => {
    const { store } = await open();
    await store.appendAudit('request', 'req_1', {}, 1);
    await store.appendAudit('request', 'req_2', {}, 2);
    const vote = await store.appendAudit('vote', 'req_1', {}, 3);
    await store.appendAudit('vote', 'req_2', {}, 4);
    expect(await auditWitness(store, 'req_1')).toEqual({ seq: 3, hash: vote.hash });
    expect(await auditWitness(store, 'req_9')).toBeUndefined();
  });

  it('after a key rotation appends under the new key, and needs the old one named to start', async () => {
    const { store, reopen } = await open();
    await store.appendAudit('a', null, {}, 1);
    await store.close();
    await expect(reopen(keyed(NEXT_KEY))).rejects.toThrow(/PREVIOUS_PRIVATE_KEY/);
    const rotated = await reopen(keyed(NEXT_KEY, [KEY]));
    opened.push(rotated);
    await rotated.appendAudit('b', null, {}, 2);
    const events = await rotated.auditEvents();
    expect(events.map((e) => e.keyId)).toEqual([auditKeys(KEY).current.id, auditKeys(NEXT_KEY).current.id]);
    expect(verifyChain(events, auditKeys(NEXT_KEY, [KEY]))).toEqual({ ok: true, events: 2 });
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
    const stores = await Promise.all([1, 2, 3].map(() => PgStore.open(TEST_DATABASE_URL, schema, keyed())));
    try {
      await Promise.all(
        stores.flatMap((s, i) => [1, 2, 3, 4].map((n) => s.appendAudit('vote', 'req_1', { i, n }, n))),
      );
      const events = await stores[0]!.auditEvents();
      expect(events).toHaveLength(12);
      expect(verifyChain(events, auditKeys(KEY))).toEqual({ ok: true, events: 12 });
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
