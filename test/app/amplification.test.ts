// What a stranger's (or a runaway workflow's) traffic may cost: GitHub calls, stored requests and
// held long-polls are bounded, and the app says when to come back.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppHarness, PUBLIC_URL, sha256, type Step } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read } }
`;

const h = new AppHarness();
h.env = {
  READYZ_CACHE_SECONDS: '5',
  NOT_INSTALLED_CACHE_SECONDS: '10',
  MAX_REQUESTS_PER_RUN: '2',
  MAX_LONG_POLLS_PER_STEP: '2',
  MAX_LONG_POLLS_PER_RUN: '3',
};
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

const calls = (operation: string): number => h.sim.callsByOperation()[operation] ?? 0;

/** A call with the step's OIDC token: the HTTP status (`http`), retry-after and the body. */
async function call(step: Step, method: string, path: string, body?: Record<string, unknown>) {
  const token = await h.oidc.mint(step.job, { audience: PUBLIC_URL });
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-jit-step-secret': step.secret,
    },
    ...(body && {
      body: JSON.stringify({
        action: 'deploy-web',
        job: 'deploy',
        job_id: step.simJob.id,
        secret_sha256: sha256(step.secret),
        public_key: step.publicJwk,
        ...body,
      }),
    }),
  });
  const json = (await res.json()) as {
    id?: string;
    status?: string;
    error?: { code: string; message: string };
  };
  return { http: res.status, retryAfter: res.headers.get('retry-after'), ...json };
}

/** Long-polls the app holds, as its metrics say. */
async function held(): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  return Number(/^jit_long_polls (\d+)$/m.exec(text)![1]);
}

describe('readiness', () => {
  it('/readyz asks GitHub at most once per READYZ_CACHE_SECONDS, however often it is hit', async () => {
    const before = calls('apps/get-authenticated');
    for (let i = 0; i < 10; i++) expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    expect(calls('apps/get-authenticated') - before).toBe(1);
    h.offsetMs += 5000;
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    expect(calls('apps/get-authenticated') - before).toBe(2);
  });
});

describe('repositories without the app', () => {
  it('cost one installation lookup per NOT_INSTALLED_CACHE_SECONDS, and work once installed', async () => {
    const stranger = h.sim.world.addRepo('mallory/tool', { files: { '.approvals/p.yml': POLICY } });
    const step = await h.step({ runId: 10 }, stranger);
    const before = calls('apps/get-repo-installation');
    for (let i = 0; i < 5; i++) {
      expect(await call(step, 'POST', '/api/v1/requests', {})).toMatchObject({
        http: 403,
        error: { code: 'forbidden', message: expect.stringContaining('not installed on mallory/tool') },
      });
    }
    expect(calls('apps/get-repo-installation') - before).toBe(1);
    h.sim.world.install('mallory');
    h.offsetMs += 10_000;
    expect(await call(step, 'POST', '/api/v1/requests', {})).toMatchObject({ http: 201 });
    expect(calls('apps/get-repo-installation') - before).toBe(2);
  });
});

describe('requests per run', () => {
  it('beyond MAX_REQUESTS_PER_RUN are refused with 429 and retry-after; a retry of a stored one is not', async () => {
    const step = await h.step({ runId: 20 });
    const first = await call(step, 'POST', '/api/v1/requests', { action: 'deploy-web' });
    expect(first.http).toBe(201);
    expect(await call(step, 'POST', '/api/v1/requests', { action: 'deploy-api' })).toMatchObject({
      http: 201,
    });
    const third = await call(step, 'POST', '/api/v1/requests', { action: 'deploy-db' });
    expect(third).toMatchObject({
      http: 429,
      error: { code: 'rate_limited', message: expect.stringContaining('MAX_REQUESTS_PER_RUN') },
    });
    expect(Number(third.retryAfter)).toBeGreaterThan(0);
    expect(await call(step, 'POST', '/api/v1/requests', { action: 'deploy-web' })).toMatchObject({
      http: 201,
      id: first.id,
    });
    const reRun = await h.step({ runId: 20, runAttempt: 2 });
    expect(await call(reRun, 'POST', '/api/v1/requests', { action: 'deploy-db' })).toMatchObject({
      http: 201,
    });
  });
});

describe('long-polls', () => {
  it('beyond MAX_LONG_POLLS_PER_STEP or MAX_LONG_POLLS_PER_RUN are refused with 429 and retry-after', async () => {
    const step = await h.step({ runId: 30 });
    const a = (await call(step, 'POST', '/api/v1/requests', { action: 'deploy-web' })).id!;
    const b = (await call(step, 'POST', '/api/v1/requests', { action: 'deploy-api' })).id!;
    const base = await held();
    const polls = [
      call(step, 'GET', `/api/v1/requests/${a}?wait=30`),
      call(step, 'GET', `/api/v1/requests/${a}?wait=30`),
    ];
    await vi.waitFor(async () => expect(await held()).toBe(base + 2), { timeout: 10_000 });
    const perRequest = await call(step, 'GET', `/api/v1/requests/${a}?wait=30`);
    expect(perRequest).toMatchObject({
      http: 429,
      error: { code: 'rate_limited', message: expect.stringContaining('MAX_LONG_POLLS_PER_STEP') },
    });
    expect(Number(perRequest.retryAfter)).toBeGreaterThan(0);
    expect(await call(step, 'GET', `/api/v1/requests/${a}`)).toMatchObject({ http: 200 }); // no wait: no limit

    polls.push(call(step, 'GET', `/api/v1/requests/${b}?wait=30`));
    await vi.waitFor(async () => expect(await held()).toBe(base + 3), { timeout: 10_000 });
    const perRun = await call(step, 'GET', `/api/v1/requests/${b}?wait=30`);
    expect(perRun).toMatchObject({
      http: 429,
      error: { code: 'rate_limited', message: expect.stringContaining('MAX_LONG_POLLS_PER_RUN') },
    });
    expect(Number(perRun.retryAfter)).toBeGreaterThan(0);

    await call(step, 'DELETE', `/api/v1/requests/${a}`);
    await call(step, 'DELETE', `/api/v1/requests/${b}`);
    for (const poll of await Promise.all(polls))
      expect(poll).toMatchObject({ http: 200, status: 'cancelled' });
    expect(await call(step, 'GET', `/api/v1/requests/${b}?wait=1`)).toMatchObject({ http: 200 });
  });
});
