// The app's HTTP edge under hostile traffic: bodies too large, clients too slow, paths that
// normalise to somewhere else, and strings the database refuses.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { AppHarness, PUBLIC_URL } from './harness.ts';
import { bigPost, dribble, rawRequest } from './raw-http.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read } }
`;
const MiB = 1024 * 1024;

const h = new AppHarness();
h.database = { url: TEST_DATABASE_URL, schema: `t_${randomBytes(6).toString('hex')}` };
h.env = { HTTP_HEADERS_TIMEOUT_SECONDS: '1', HTTP_REQUEST_TIMEOUT_SECONDS: '2' };
let inProcess = '';
/** The app as `npm start` runs it, in its own process: its memory is measured. */
let app = { url: '', pid: 0 };

beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  inProcess = h.url;
  const child = await h.startAppProcess();
  app = { url: h.url, pid: child.pid! };
  h.url = inProcess;
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

/** The peak resident memory of a process so far (VmHWM), in bytes. */
const peakRss = (pid: number): number =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

const bearer = async (runId: number): Promise<string> =>
  `Bearer ${await h.oidc.mint((await h.step({ runId })).job, { audience: PUBLIC_URL })}`;

describe('request bodies', () => {
  it.each([
    ['with a content-length: refused before any of it is read', false],
    ['chunked, without a content-length: cut off at the limit', true],
  ])('an unsigned 64 MB webhook delivery %s (413, memory stays flat)', async (_, chunked) => {
    await rawRequest(app.url, 'GET', '/healthz');
    const before = peakRss(app.pid);
    const res = await bigPost(app.url, '/api/github/webhooks', 64 * MiB, {
      chunked,
      headers: { 'x-github-event': 'push', 'x-github-delivery': '1', 'x-hub-signature-256': 'sha256=00' },
    });
    const grew = peakRss(app.pid) - before;
    console.error(`64 MB webhook POST (${chunked ? 'chunked' : 'content-length'}): peak RSS +${grew} bytes`);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({
      error: { code: 'too_large', message: expect.stringContaining('1048576 bytes') },
    });
    expect(grew).toBeLessThan(32 * MiB);
  });

  it.each([
    ['with a content-length', false],
    ['chunked', true],
  ])('the API refuses a body over 64 KiB %s with 413', async (_, chunked) => {
    const res = await bigPost(h.url, '/api/v1/requests', 65 * 1024, {
      chunked,
      headers: { authorization: await bearer(1) },
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({
      error: { code: 'too_large', message: expect.stringContaining('65536 bytes') },
    });
  });
});

describe('slow clients', () => {
  it('headers dribbled are cut off after HTTP_HEADERS_TIMEOUT_SECONDS', async () => {
    const res = await dribble(h.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: ' + 'a'.repeat(100), {
      everyMs: 100,
      giveUpMs: 8000,
    });
    expect(res).toMatchObject({ byApp: true, answer: expect.stringMatching(/^HTTP\/1\.1 408/) });
    expect(res.closedAfterMs).toBeLessThan(3000);
  });

  it('a body dribbled is cut off after HTTP_REQUEST_TIMEOUT_SECONDS', async () => {
    const head = 'POST /api/github/webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';
    const res = await dribble(h.url, `${head}Content-Length: 1000\r\n\r\n`, 'a'.repeat(1000), {
      everyMs: 100,
      giveUpMs: 8000,
    });
    expect(res).toMatchObject({ byApp: true, answer: expect.stringMatching(/^HTTP\/1\.1 408/) });
    expect(res.closedAfterMs).toBeLessThan(4000);
  });

  it('a long-poll outlasts the request timeout: it covers receiving a request, not answering it', async () => {
    const step = await h.step({ runId: 2 });
    const { body } = await h.request(step);
    const started = Date.now();
    const res = await h.poll(step, body.id, 3);
    expect(res).toMatchObject({ status: 200, body: { status: 'pending' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
  });
});

describe('paths', () => {
  it.each([
    '/api/v1/requests/%2e%2e/%2e%2e/%2e%2e/metrics',
    '/api/v1/requests/../../../metrics',
    '/api/%2E%2E/metrics',
    '/healthz/../metrics',
    '/./metrics',
    '//metrics',
    '/metrics/',
    '/api/github/webhooks/../../../metrics',
    '/metrics#x',
    'http://127.0.0.1/metrics',
  ])('GET %s is 404, routed on the path as sent', async (path) => {
    const res = await rawRequest(h.url, 'GET', path);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('jit_');
  });

  it('a webhook delivery on a path that only normalises to the webhook path is 404', async () => {
    const res = await rawRequest(
      h.url,
      'POST',
      '/x/%2e%2e/api/github/webhooks',
      {
        'content-type': 'application/json',
        'x-github-event': 'ping',
        'x-github-delivery': '1',
        'x-hub-signature-256': 'sha256=00',
      },
      '{}',
    );
    expect(res.status).toBe(404);
  });

  it('the exact paths answer, with or without a query', async () => {
    expect((await rawRequest(h.url, 'GET', '/metrics')).body).toContain('jit_long_polls');
    expect((await rawRequest(h.url, 'GET', '/metrics?x=1')).status).toBe(200);
    expect((await rawRequest(h.url, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('strings the database refuses (on PostgreSQL)', () => {
  it.each([
    ['a NUL in reason', { reason: 'ship\u0000it' }, 'reason'],
    ['an unpaired surrogate in reason', { reason: 'ship \ud800 it' }, 'reason'],
    [
      'a NUL in public_key.x',
      { public_key: { kty: 'EC', crv: 'P-256', x: 'a\u0000', y: 'b' } },
      'public_key.x',
    ],
    ['a NUL in a key of permissions', { permissions: { 'contents\u0000': 'read' } }, 'a key of permissions'],
  ])('%s is refused with 400 naming the field, and nothing is stored', async (_, over, field) => {
    const step = await h.step({ runId: 3 });
    const res = await h.request(step, over);
    expect(res).toMatchObject({
      status: 400,
      body: { error: { code: 'bad_request', message: expect.stringContaining(field) } },
    });
    expect(await h.runtime.store.requestsForRun(String(h.repo.id), '3', '1')).toEqual([]);
  });
});
