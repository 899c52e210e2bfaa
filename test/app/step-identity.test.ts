// Issue 10: the step, its job and its token cannot be taken over; matrix legs share one approval.
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf, sha256 } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob] }
    token: { permissions: { contents: read }, ttl: 15m }
  - name: bumps
    match: { action: ["bump-*"] }
    approvers: { users: [alice] }
    auto_approve: [{ actor: ["renovate[bot]"] }]
    token: { permissions: { contents: read } }
`;

let h: AppHarness;
let run = 100;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

const auditOf = async (id: string) =>
  (await h.runtime.store.auditEvents()).filter((e) => e.requestId === id).map((e) => e.type);

describe('a request belongs to the step that made it', () => {
  it('another job of the run cannot ask as the deploy job: its job id names it, and it is refused', async () => {
    const build = await h.step({ runId: ++run }, h.repo, { jobKey: 'build' });
    const res = await h.request(build, { job: 'deploy' });
    expect(res.status).toBe(403);
    expect(res.body.error!.message).toBe(
      `job ${build.simJob.id} ("build") is job "build" of .github/workflows/deploy.yml, not "deploy": a step can only ask for its own job`,
    );
    expect(h.repo.checkRuns.filter((c) => c.external_id === null)).toEqual([]);
  });

  it('a job id of another run, another attempt, or a finished job is refused with what did not match', async () => {
    const victim = await h.step({ runId: ++run });
    const other = await h.step({ runId: ++run });
    const res = await h.request(other, { job_id: victim.simJob.id });
    expect(res.status).toBe(403);
    expect(res.body.error!.message).toContain(`belongs to run ${run - 1}, not to this token's run ${run}`);
    const attempt = await h.step({ runId: ++run, runAttempt: 2 });
    attempt.simJob.runAttempt = 1;
    expect((await h.request(attempt)).body.error!.message).toContain('belongs to attempt 1 of the run');
    const done = await h.step({ runId: ++run });
    done.simJob.status = 'completed';
    expect((await h.request(done)).body.error!.message).toContain('is completed, not in progress');
    expect((await h.request(done, { job_id: 999_999 })).body.error!.message).toContain(
      'is not a job of acme/shop',
    );
  });

  it('the same job asking again with another key is refused, and the request fails closed', async () => {
    const step = await h.step({ runId: ++run });
    const first = await h.request(step);
    expect(first.status).toBe(201);
    const impostor = await h.step({ runId: step.job.runId }); // another job of the run, posing as this one
    const res = await h.request(impostor, { job_id: step.simJob.id });
    expect(res.status).toBe(409);
    expect(res.body.error!.message).toContain('already asked for request');
    const r = (await h.runtime.store.getRequest(first.body.id))!;
    expect(r.status).toBe('denied');
    expect(r.decision.reasons.at(-1)!.message).toContain('two steps asked as job');
    expect(await auditOf(r.id)).toContain('leg_conflict');
    // A retry by the step itself (same key, same secret) is still the same request.
    expect((await h.request(step)).body.id).toBe(first.body.id);
  });

  it('another job of the run can neither read nor cancel the request; the step can, with its secret', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const other = await h.step({ runId: step.job.runId }, h.repo, { jobKey: 'build' });
    expect(await h.poll(other, body.id)).toMatchObject({
      status: 403,
      body: { error: { message: `request ${body.id} belongs to another step of this run` } },
    });
    expect((await h.cancel(other, body.id)).status).toBe(403);
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('pending');
    const noSecret = { ...step, secret: '' };
    expect((await h.poll(noSecret, body.id)).status).toBe(401);
    expect((await h.cancel(step, body.id)).body.status).toBe('cancelled');
  });

  it('a step in another environment never gets a request made under this one', async () => {
    const prod = await h.step({ runId: ++run });
    const staging = await h.step({ runId: prod.job.runId, environment: 'staging' }, h.repo, {
      jobName: 'deploy (staging)',
    });
    const a = await h.request(prod);
    const b = await h.request(staging);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
  });

  it('a public key off the curve or too short is refused before anything is minted', async () => {
    const step = await h.step({ runId: ++run });
    const { publicKey } = await generateKeyPair('ECDH-ES', { crv: 'P-256' });
    const jwk = await exportJWK(publicKey);
    const y = Buffer.from(jwk.y!, 'base64url');
    y[31]! ^= 1;
    const mints = h.sim.calls.filter((c) => c.operation === 'apps/create-installation-access-token').length;
    for (const bad of [
      { ...jwk, y: y.toString('base64url') },
      { ...jwk, x: jwk.x!.slice(0, 20) },
    ]) {
      const res = await h.request(
        step,
        { action: 'bump-deps', public_key: bad },
        {
          claims: { actor: 'renovate[bot]' },
        },
      );
      expect(res.status).toBe(400);
      expect(res.body.error!.message).toContain('not a usable P-256 public key');
    }
    expect(h.sim.calls.filter((c) => c.operation === 'apps/create-installation-access-token').length).toBe(
      mints,
    );
  });
});

describe('actors: whoever re-ran the run is an actor too', () => {
  it("an approver who re-ran a colleague's run cannot approve it", async () => {
    const step = await h.step({ runId: ++run, actor: 'dana', triggeringActor: 'alice' });
    const { body } = await h.request(step);
    const checkRunId = await checkRunOf(h, body.id);
    await h.click(checkRunId, 'alice');
    const r = (await h.runtime.store.getRequest(body.id))!;
    expect(r.status).toBe('pending');
    expect(r.ignoredVotes[0]).toMatchObject({
      login: 'alice',
      reason: 'started or re-ran the run, and self-approval is not allowed',
    });
    expect(h.checkRun(checkRunId).output.summary).toContain('@dana (re-run by @alice)');
    await h.click(checkRunId, 'bob');
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('approved');
  });

  it("a person re-running a bot's run is not auto-approved as the bot", async () => {
    const step = await h.step({ runId: ++run, actor: 'renovate[bot]', triggeringActor: 'mallory' });
    expect((await h.request(step, { action: 'bump-deps' })).body.status).toBe('pending');
    const bot = await h.step({ runId: ++run, actor: 'renovate[bot]' });
    expect((await h.request(bot, { action: 'bump-deps' })).body.status).toBe('approved');
  });
});

describe('the grant is what reviewers were shown', () => {
  it('a policy widened while pending does not widen the token or loosen the approvals', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const checkRunId = await checkRunOf(h, body.id);
    expect(h.checkRun(checkRunId).output.summary).toContain('contents: read for 15m');
    h.sim.world.commit(h.repo, 'main', {
      '.approvals/p.yml': POLICY.replace(
        'approvers: { users: [alice, bob] }',
        'approvers: { users: [alice, bob, mallory] }\n    required: 1',
      ).replace('{ contents: read }, ttl: 15m', '{ contents: write, issues: write }, ttl: 60m'),
    });
    await h.click(checkRunId, 'mallory'); // an approver only under the widened policy
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('pending');
    await h.click(checkRunId, 'alice');
    const done = await h.poll(step, body.id, 5);
    expect(done.body.status).toBe('approved');
    expect(done.body.token!.permissions).toEqual({ contents: 'read' });
    const r = (await h.runtime.store.getRequest(body.id))!;
    expect(r.legs[0]!.token!.revokeAt - r.decidedAt!).toBeLessThanOrEqual(15 * 60_000 + 5_000);
    h.sim.world.commit(h.repo, 'main', { '.approvals/p.yml': POLICY });
  });

  it('a policy narrowed while pending narrows the terms, and the check run shows the stricter ones', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const checkRunId = await checkRunOf(h, body.id);
    h.sim.world.commit(h.repo, 'main', {
      '.approvals/p.yml': POLICY.replace(
        'approvers: { users: [alice, bob] }',
        'approvers: { users: [alice, bob] }\n    required: 2',
      ),
    });
    await h.click(checkRunId, 'alice');
    const r = (await h.runtime.store.getRequest(body.id))!;
    expect(r.status).toBe('pending');
    expect(r.decision.requirements[0]).toMatchObject({ required: 2, remaining: 1 });
    expect(h.checkRun(checkRunId).output.summary).toContain('1 of 2 approvals');
    await h.click(checkRunId, 'bob');
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('approved');
    h.sim.world.commit(h.repo, 'main', { '.approvals/p.yml': POLICY });
  });
});

describe('tokens end with their own job', () => {
  it('a job with a display name (a matrix leg) has its token revoked when that job ends', async () => {
    const eu = await h.step({ runId: ++run }, h.repo, { jobName: 'deploy (eu)' });
    const { body } = await h.request(eu);
    await h.click(await checkRunOf(h, body.id), 'alice');
    const done = await h.poll(eu, body.id, 5);
    const token = await h.decrypt(eu, done.body.token!.jwe);
    expect((await h.tokenReach(token, '.approvals/p.yml')).read).toBe(200);
    await h.jobCompleted(eu);
    await h.settled(body.id);
    expect((await h.tokenReach(token, '.approvals/p.yml')).read).toBe(401);
    expect((await h.runtime.store.getRequest(body.id))!.legs[0]!.token!.revokedAt).not.toBeNull();
  });

  it('the end of the run revokes what a missed job event left', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    await h.click(await checkRunOf(h, body.id), 'alice');
    const token = await h.decrypt(step, (await h.poll(step, body.id, 5)).body.token!.jwe);
    await h.hooks.workflowRunCompleted(
      h.repo,
      { runId: step.job.runId, headSha: step.job.sha },
      h.sim.world.addUser('dana'),
    );
    await h.settled(body.id);
    expect((await h.tokenReach(token, '.approvals/p.yml')).read).toBe(401);
    expect(await auditOf(body.id)).toContain('token_revoked');
  });
});

describe('secrets', () => {
  it('the step secret is stored only as its SHA-256', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const r = (await h.runtime.store.getRequest(body.id))!;
    expect(r.legs[0]!.secretHash).toBe(sha256(step.secret));
    expect(JSON.stringify(r)).not.toContain(step.secret);
  });
});
