import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    timeout: 30m
    token: { permissions: { contents: read }, ttl: 15m }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
});

describe('operations', () => {
  it('/healthz, /readyz and /metrics answer', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const step = await h.step();
    const { body } = await h.request(step);
    await h.click(await checkRunOf(h, body.id), 'alice');
    expect((await h.poll(step, body.id)).body.token).not.toBeNull(); // the step collects its token
    expect(await (await fetch(`${h.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('jit_requests_total{outcome="pending"} 1');
    expect(metrics).toContain('jit_decisions_total{outcome="approved"} 1');
    expect(metrics).toContain('jit_tokens_minted_total 1');
    expect(metrics).toMatch(/jit_decision_latency_seconds_count 1/);
    expect(metrics).toContain(
      'jit_github_api_calls_total{route="POST /repos/{owner}/{repo}/check-runs",status="201"} 1',
    );
    expect(metrics).toContain(
      'jit_github_api_calls_total{route="GET /repos/{owner}/{repo}/contents/{path}",status="304"}',
    );
  });

  it('counts GitHub calls after the answer, with its status, and shows every counter from the start', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const first = await (await fetch(`${h.url}/metrics`)).text();
    for (const series of [
      'jit_requests_total{outcome="pending"} 0',
      'jit_requests_total{outcome="approved"} 0',
      'jit_requests_total{outcome="denied"} 0',
      'jit_decisions_total{outcome="timed_out"} 0',
      'jit_decisions_total{outcome="cancelled"} 0',
      'jit_tokens_minted_total 0',
      'jit_tokens_revoked_total{why="ttl"} 0',
      'jit_tokens_revoked_total{why="job_completed"} 0',
      'jit_token_revoke_failures_total 0',
      'jit_notification_failures_total 0',
      '# TYPE jit_github_api_calls_total counter',
    ])
      expect(first).toContain(series);
    h.sim.inject('repos/get-content', 502);
    expect((await h.request(await h.step())).status).toBe(503);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain(
      'jit_github_api_calls_total{route="GET /repos/{owner}/{repo}/contents/{path}",status="502"} 1',
    );
    expect(metrics).not.toContain('status="ok"');
  });

  it('/readyz is 503 when GitHub is down', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    h.sim.inject('apps/get-authenticated', 502);
    const res = await fetch(`${h.url}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
  });

  it('a restart mid-wait loses nothing: the approval still reaches the waiting step', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const step = await h.step();
    const { body } = await h.request(step);
    const checkRunId = await checkRunOf(h, body.id);
    const waiting = h.poll(step, body.id, 30).catch((err: unknown) => err);
    await h.stopApp();
    expect(await waiting).toBeInstanceOf(Error); // the connection went away with the app
    await h.startApp();
    const again = h.poll(step, body.id, 30);
    await h.click(checkRunId, 'alice');
    const done = await again;
    expect(done.body.status).toBe('approved');
    expect(await h.decrypt(step, done.body.token!.jwe)).toMatch(/^ghs_/);
  });

  it('GitHub failing while a request is made answers 503, so the step retries, and stores nothing', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    h.sim.inject('repos/get-content', 502);
    const step = await h.step();
    const res = await h.request(step);
    expect(res).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
    expect(await h.runtime.store.pendingRequests()).toEqual([]);
    expect((await h.request(step)).status).toBe(201);
  });
});
