import { afterEach, describe, expect, it, vi } from 'vitest';
import { verifyChain } from '../../app/audit/chain.ts';
import type { StoredRequest } from '../../app/domain/request.ts';
import type { SimRun } from '../github-sim/world.ts';
import { AppHarness } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: staging
    match: { action: [job-gate], environment: [staging] }
    auto_approve: [{}]
  - name: frozen
    match: { action: ["job-*"], environment: [frozen] }
    approvers: { users: [alice] }
    freeze: [{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z", reason: Long freeze }]
  - name: prod
    match: { action: [job-gate, "deploy-*"], environment: [production] }
    approvers: { users: [alice, bob] }
    timeout: 30m
    token: { permissions: { contents: read }, ttl: 15m }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
});

let nextRun = 7000;
function run(over: Partial<Pick<SimRun, 'attempt' | 'triggeringActor'>> = {}): SimRun {
  return h.sim.world.addRun(h.repo, { id: ++nextRun, actor: 'dana', ...over });
}

/** The gate requests the app stored, by the ids its audit names. */
async function gates(): Promise<StoredRequest[]> {
  const ids = new Set(
    (await h.runtime.store.auditEvents()).filter((e) => e.type === 'request').map((e) => e.requestId!),
  );
  const found = await Promise.all([...ids].map((id) => h.runtime.store.getRequest(id)));
  return found.filter((r): r is StoredRequest => r?.gate !== undefined);
}

/** Waits until GitHub holds `n` answers and the app has recorded them (saved after GitHub took each). */
const answered = async (n: number) =>
  vi.waitFor(
    async () => {
      expect(h.repo.gateReviews).toHaveLength(n);
      const events = await h.runtime.store.auditEvents();
      expect(events.filter((e) => e.type === 'gate_answered')).toHaveLength(n);
    },
    { timeout: 5_000 },
  );

describe('a job gate (custom deployment protection rule)', () => {
  it('answers an auto-approved environment approved at once, with no check run', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const r = run();
    const d = await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'staging');
    expect(d.status).toBe(200);
    expect(h.repo.gateReviews).toEqual([
      {
        runId: r.id,
        environment: 'staging',
        state: 'approved',
        comment: expect.stringContaining('staging'),
        at: expect.any(Number),
      },
    ]);
    expect(h.repo.checkRuns).toEqual([]);
    const [g] = await gates();
    expect(g).toMatchObject({
      action: 'job-gate',
      status: 'approved',
      legs: [],
      gate: { environment: 'staging', runId: r.id, answered: true },
      key: `${h.repo.id}:${r.id}:1:gate:staging`,
      claims: { workflow_ref: `acme/shop/.github/workflows/deploy.yml@refs/heads/main`, actor: 'dana' },
    });
    const events = await h.runtime.store.auditEvents();
    expect(events.map((e) => e.type)).toEqual(['request', 'decision', 'gate_answered']);
    expect(verifyChain(events).ok).toBe(true);
  });

  it("answers a frozen environment rejected with the freeze's reason", async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const r = run();
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'frozen');
    expect(h.repo.gateReviews).toEqual([
      {
        runId: r.id,
        environment: 'frozen',
        state: 'rejected',
        comment: expect.stringContaining('Long freeze'),
        at: expect.any(Number),
      },
    ]);
    expect(h.repo.checkRuns).toEqual([]);
  });

  it('shows a pending gate on a check run; the deciding vote answers approved', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const r = run();
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    expect(h.repo.gateReviews).toEqual([]);
    expect(h.repo.checkRuns).toHaveLength(1);
    const check = h.repo.checkRuns[0]!;
    expect(check).toMatchObject({ head_sha: r.headSha, conclusion: 'action_required' });
    expect(check.output.summary).toContain('before they get a runner');
    await h.click(check.id, 'alice');
    await answered(1);
    expect(h.repo.gateReviews[0]).toMatchObject({
      runId: r.id,
      environment: 'production',
      state: 'approved',
      comment: expect.stringContaining('alice'),
    });
    expect(h.checkRun(check.id)).toMatchObject({ conclusion: 'success' });
    const types = (await h.runtime.store.auditEvents()).map((e) => e.type);
    expect(types).toEqual(['request', 'vote', 'decision', 'gate_answered']);
  });

  it('shares one request, one check run and one answer between two jobs of a run waiting on one environment', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const r = run();
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    expect(await gates()).toHaveLength(1);
    expect(h.repo.checkRuns).toHaveLength(1);
    await h.click(h.repo.checkRuns[0]!.id, 'bob');
    await answered(1);
    expect(h.repo.gateReviews).toEqual([
      {
        runId: r.id,
        environment: 'production',
        state: 'approved',
        comment: expect.stringContaining('bob'),
        at: expect.any(Number),
      },
    ]);
    const types = (await h.runtime.store.auditEvents()).map((e) => e.type);
    expect(types).toEqual(['request', 'gate_joined', 'vote', 'decision', 'gate_answered']);
  });

  it('answers rejected when nobody decides within the timeout', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const r = run();
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    h.offsetMs = 31 * 60_000;
    await answered(1);
    expect(h.repo.gateReviews[0]).toMatchObject({
      state: 'rejected',
      comment: expect.stringContaining('timeout'),
    });
    const [g] = await gates();
    expect(g).toMatchObject({ status: 'timed_out', gate: { answered: true } });
  });

  it('sends an answer GitHub failed later, after its backoff, once', async () => {
    h = new AppHarness();
    h.sweepEveryMs = 3_600_000; // the test sweeps when it says so
    await h.start({ 'p.yml': POLICY });
    const r = run();
    h.sim.inject('actions/review-custom-gates-for-run', 502);
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'staging');
    const tries = () => h.sim.calls.filter((c) => c.operation === 'actions/review-custom-gates-for-run');
    expect(tries()[0]!.status).toBe(502); // GitHub refused the answer; the outbox tries again
    await answered(1);
    for (let i = 0; i < 3; i++) await h.runtime.service.sweep(); // several sweeps later: still once
    expect(h.repo.gateReviews).toEqual([
      {
        runId: r.id,
        environment: 'staging',
        state: 'approved',
        comment: expect.any(String),
        at: expect.any(Number),
      },
    ]);
    expect(h.sim.callsByOperation()['actions/review-custom-gates-for-run']).toBe(2);
    const types = (await h.runtime.store.auditEvents()).map((e) => e.type);
    expect(types.filter((t) => t === 'gate_answered')).toHaveLength(1);
    expect((await gates())[0]!.gate).toMatchObject({ answered: true });
  });
});

describe('answers survive a crash and several instances', () => {
  it('a crash between the decision and the answer still answers once, after the restart', async () => {
    h = new AppHarness();
    h.sweepEveryMs = 3_600_000;
    await h.start({ 'p.yml': POLICY });
    const r = run();
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    h.sim.inject('actions/review-custom-gates-for-run', 'hang'); // the answer never arrives: the app dies
    const hung = h.sim.nextHang('actions/review-custom-gates-for-run');
    const click = h.click(h.repo.checkRuns[0]!.id, 'alice').catch(() => undefined);
    await hung; // the answer is on its way, and GitHub never takes it
    expect((await gates())[0]).toMatchObject({ status: 'approved', gate: { answered: false } });
    await h.stopApp(); // the crash, between the decision (stored) and GitHub's answer
    await click;
    await h.startApp(); // it sweeps at start
    await answered(1);
    expect(h.repo.gateReviews[0]).toMatchObject({ runId: r.id, state: 'approved' });
    await h.runtime.service.sweep();
    expect(h.repo.gateReviews).toHaveLength(1);
  });

  it('two instances on PostgreSQL sweeping at once answer once', async () => {
    const { randomBytes } = await import('node:crypto');
    const { TEST_DATABASE_URL } = await import('../helpers/database.ts');
    h = new AppHarness();
    h.sweepEveryMs = 3_600_000;
    h.database = { url: TEST_DATABASE_URL, schema: `t_${randomBytes(6).toString('hex')}` };
    await h.start({ 'p.yml': POLICY });
    const other = await h.instance();
    const r = run();
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    h.sim.inject('actions/review-custom-gates-for-run', 502); // the deciding vote's answer fails
    await h.click(h.repo.checkRuns[0]!.id, 'alice');
    const tries = () => h.sim.calls.filter((c) => c.operation === 'actions/review-custom-gates-for-run');
    expect(tries()[0]!.status).toBe(502);
    // Both instances sweep, again and again, while the answer backs off and is sent: once.
    await vi.waitFor(
      async () => {
        await Promise.all([h.runtime.service.sweep(), other.service.sweep(), h.runtime.service.sweep()]);
        expect(h.repo.gateReviews.length).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 100 },
    );
    await Promise.all([h.runtime.service.sweep(), other.service.sweep()]);
    expect(h.repo.gateReviews).toEqual([
      {
        runId: r.id,
        environment: 'production',
        state: 'approved',
        comment: expect.any(String),
        at: expect.any(Number),
      },
    ]);
    const types = (await h.runtime.store.auditEvents()).map((e) => e.type);
    expect(types.filter((t) => t === 'gate_answered')).toHaveLength(1);
  });
});

describe('a step inside a job its gate approved', () => {
  it('gets its token without a second vote while the approval holds; the check run and audit say so', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const r = h.sim.world.addRun(h.repo, { id: 9001, actor: 'dana' });
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    await h.click(h.repo.checkRuns[0]!.id, 'alice');
    await answered(1);
    const step = await h.step({ runId: 9001 });
    const created = await h.request(step);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'approved', token: { permissions: { contents: 'read' } } });
    const [gate] = await gates();
    const stepRequest = (await h.runtime.store.getRequest(created.body.id))!;
    expect(stepRequest.status).toBe('approved');
    const text = h.checkRun(stepRequest.checkRunId!).output.text!;
    expect(text).toContain('approved by the job gate of environment production');
    expect(text).toContain('approved by alice): no second vote');
    const events = await h.runtime.store.auditEvents();
    expect(events.find((e) => e.requestId === stepRequest.id && e.type === 'request')!.data).toMatchObject({
      approved_by_gate: gate!.id,
    });
    expect(await h.runtime.store.votes(stepRequest.id)).toEqual([]);
  });

  it('is not carried over once the approval expired, nor to another environment', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const r = h.sim.world.addRun(h.repo, { id: 9001, actor: 'dana' });
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    await h.click(h.repo.checkRuns[0]!.id, 'alice');
    await answered(1);
    const other = await h.request(await h.step({ runId: 9001, environment: 'staging' }), {
      action: 'deploy-web',
    });
    expect(other.body.status).not.toBe('approved');
    h.offsetMs = 31 * 60_000;
    const late = await h.request(await h.step({ runId: 9001 }));
    expect(late.body).toMatchObject({ status: 'pending' });
  });

  it('is not carried over from a gate approved automatically: the step is decided on its own', async () => {
    const scoped = `version: 1
policies:
  - name: prod
    match: { action: [job-gate, "deploy-*"], environment: [production] }
    approvers: { users: [alice] }
    auto_approve: [{ action: [job-gate] }]
    token: { permissions: { contents: read }, ttl: 15m }
`;
    h = await new AppHarness().start({ 'p.yml': scoped });
    const r = h.sim.world.addRun(h.repo, { id: 9001, actor: 'dana' });
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    expect(h.repo.gateReviews).toMatchObject([{ state: 'approved' }]);
    const created = await h.request(await h.step({ runId: 9001 }), { action: 'deploy-web' });
    expect(created.body).toMatchObject({ status: 'pending' }); // alice still decides the step
    const events = await h.runtime.store.auditEvents();
    expect(
      events.find((e) => e.requestId === created.body.id && e.type === 'request')!.data,
    ).not.toHaveProperty('approved_by_gate');
  });
});

describe('jobs that join a gate', () => {
  it('a job that starts waiting after the approval expired is rejected, not approved again', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const r = run();
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    await h.click(h.repo.checkRuns[0]!.id, 'alice');
    await answered(1);
    h.offsetMs = 2 * 3600_000; // past the policy's 30m timeout
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    expect(h.repo.gateReviews.slice(1)).toEqual([
      {
        runId: r.id,
        environment: 'production',
        state: 'rejected',
        comment: expect.stringMatching(
          /approval of this run for environment production expired at .*re-run the job/,
        ),
        at: expect.any(Number),
      },
    ]);
    const answers = (await h.runtime.store.auditEvents()).filter((e) => e.type === 'gate_answered');
    expect(answers.at(-1)!.data).toMatchObject({ state: 'rejected', sent: true, expired: true });
  });

  it('environment names that differ only in case are one environment: one request, one approval', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const r = run();
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'Production');
    expect(await gates()).toHaveLength(1);
    expect(h.repo.checkRuns).toHaveLength(1);
    await h.click(h.repo.checkRuns[0]!.id, 'alice');
    await answered(1);
  });
});
