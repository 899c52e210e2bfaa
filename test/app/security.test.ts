import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, WEBHOOK_SECRET, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob, dana] }
    required: 2
    token: { permissions: { contents: read } }
`;

let h: AppHarness;
beforeAll(async () => {
  h = await new AppHarness().start({ 'deploy.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('OIDC tokens', () => {
  it.each([
    ['signed by a key the issuer does not publish', { wrongKey: true }],
    ['with alg none', { alg: 'none' as const }],
    ['HS256 keyed with the public key', { alg: 'HS256' as const }],
    ['for another audience', { audience: 'https://evil.example' }],
    ['from another issuer', { issuer: 'https://token.actions.githubusercontent.com' }],
    ['expired', { expiresIn: -60 }],
  ])('are refused when %s (401, nothing stored)', async (_, mint) => {
    const step = await h.step({ runId: 1 });
    const before = (await h.runtime.store.auditEvents()).length;
    const res = await h.request(step, {}, mint);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({
      code: 'unauthenticated',
      message: expect.stringContaining('OIDC token rejected'),
    });
    expect((await h.runtime.store.auditEvents()).length).toBe(before);
  });

  it('are required at all (401 with how to fix it)', async () => {
    const res = await fetch(`${h.url}/api/v1/requests`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('id-token: write');
  });

  it('of another run cannot read or cancel a request (403)', async () => {
    const step = await h.step({ runId: 2 });
    const created = await h.request(step);
    const other = await h.step({ runId: 3 });
    expect((await h.poll(other, created.body.id)).status).toBe(403);
    expect((await h.call(other, 'DELETE', `/api/v1/requests/${created.body.id}`)).status).toBe(403);
    const retried = await h.step({ runId: 2, runAttempt: 2 });
    expect((await h.poll(retried, created.body.id)).status).toBe(403);
  });
});

describe('requests', () => {
  it('are idempotent per run attempt, job and action: a retry returns the same request and no second check run', async () => {
    const step = await h.step({ runId: 4 });
    const first = await h.request(step);
    const second = await h.request(step);
    expect(second.body.id).toBe(first.body.id);
    const runs = h.repo.checkRuns.filter((r) => r.external_id === first.body.id);
    expect(runs).toHaveLength(1);
  });

  it('reject a malformed body with 400 and say what is wrong', async () => {
    const step = await h.step({ runId: 5 });
    const res = await h.request(step, { public_key: { kty: 'RSA' } });
    expect(res).toMatchObject({
      status: 400,
      body: { error: { code: 'bad_request', message: expect.stringContaining('P-256') } },
    });
  });
});

describe('webhooks', () => {
  it('with a forged signature are rejected and change nothing', async () => {
    const step = await h.step({ runId: 6 });
    const created = await h.request(step);
    const runId = await checkRunOf(h, created.body.id);
    const run = h.checkRun(runId);
    const real = await h.click(runId, 'alice');
    const payload = JSON.parse(real.body);
    payload.sender.login = 'bob';
    const forged = await h.hooks.send('check_run', payload, 'check-run-requested-action', {
      secret: 'not-the-secret',
    });
    expect(forged.status).toBe(400);
    expect((await h.runtime.store.votes(created.body.id)).map((v) => v.voterLogin)).toEqual(['alice']);
    expect(run.conclusion).toBe('action_required');
    expect(await sign(WEBHOOK_SECRET, real.body)).not.toBe(await sign('not-the-secret', real.body));
  });

  it('redelivered with the same delivery id count once', async () => {
    const step = await h.step({ runId: 7 });
    const created = await h.request(step);
    const runId = await checkRunOf(h, created.body.id);
    const first = await h.click(runId, 'alice');
    await h.hooks.redeliver(first);
    const view = await h.poll(step, created.body.id);
    expect(view.body.status).toBe('pending');
    expect(view.body.decision.requirements[0]).toMatchObject({ approved_by: ['alice'], remaining: 1 });
  });

  it('from two approvers at the same moment both count', async () => {
    const step = await h.step({ runId: 8 });
    const created = await h.request(step);
    const runId = await checkRunOf(h, created.body.id);
    await Promise.all([h.click(runId, 'alice'), h.click(runId, 'bob')]);
    const view = await h.poll(step, created.body.id, 10);
    expect(view.body).toMatchObject({ status: 'approved' });
    expect([...view.body.approvers].sort()).toEqual(['alice', 'bob']);
    expect(h.repo.checkRuns.filter((r) => r.external_id === created.body.id)).toHaveLength(1);
  });

  it("the actor's own approval is refused without self_approval, and shown on the check run", async () => {
    const step = await h.step({ runId: 9 });
    const created = await h.request(step);
    const runId = await checkRunOf(h, created.body.id);
    await h.click(runId, 'dana');
    const view = await h.poll(step, created.body.id);
    expect(view.body.decision.requirements[0]!.approved_by).toEqual([]);
    expect(h.checkRun(runId).output.text).toContain('@dana');
    expect(h.checkRun(runId).output.text).toContain('self-approval is not allowed');
  });

  it('an ineligible click changes nothing and is recorded', async () => {
    const step = await h.step({ runId: 10 });
    const created = await h.request(step);
    const runId = await checkRunOf(h, created.body.id);
    await h.click(runId, 'mallory');
    expect(await h.runtime.store.votes(created.body.id)).toEqual([]);
    expect(h.checkRun(runId).output.text).toContain('@mallory');
    const events = await h.runtime.store.auditEvents();
    expect(events.at(-1)).toMatchObject({ type: 'vote_ignored', data: { voter: 'mallory' } });
  });
});
