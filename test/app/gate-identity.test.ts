// Issue 22: the job gate judges people by account id, answers only for the latest attempt of a run,
// and carries an approval over to a step only while today's policies and votes still approve it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SimRun } from '../github-sim/world.ts';
import { AppHarness } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: [job-gate, "deploy-*"], environment: [production] }
    approvers: { users: [alice, bob, carol] }
    timeout: 30m
    token: { permissions: { contents: read }, ttl: 15m }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
});

let nextRun = 8100;
const run = (over: Partial<Pick<SimRun, 'attempt' | 'triggeringActor'>> = {}): SimRun =>
  h.sim.world.addRun(h.repo, { id: ++nextRun, actor: 'dana', ...over });

/** The job gate request of run `r` (the only request of its attempt). */
async function gateOf(r: SimRun) {
  const [g] = await h.runtime.store.requestsForRun(String(h.repo.id), String(r.id), String(r.attempt));
  return g!;
}

describe('identity is the account, never the login', () => {
  it('an actor renamed to a listed login cannot approve her own gate, nor get a token through it', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    h.sim.world.addUser('carol');
    const r = run();
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    const gate = await gateOf(r);
    expect(gate.status).toBe('pending');
    // carol leaves her login; the actor takes it.
    h.sim.world.renameUser('carol', 'carol-elsewhere');
    h.sim.world.renameUser('dana', 'carol');
    await h.click(gate.checkRunId!, 'carol');
    expect((await h.runtime.store.getRequest(gate.id))!.status).toBe('pending');
    expect(h.repo.gateReviews).toEqual([]);
    // A step of the job asks: the gate carries nothing over.
    const step = await h.step({ runId: r.id, actor: 'dana', actorId: h.sim.world.user('carol')!.id });
    const { body } = await h.request(step);
    expect(body.status).toBe('pending');
  });

  it('a re-runner renamed to a listed login cannot approve a step they re-ran', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    h.sim.world.addUser('carol');
    h.sim.world.addUser('erin');
    const step = await h.step({ runId: ++nextRun, runAttempt: 2, triggeringActor: 'erin' });
    const { body } = await h.request(step);
    expect(body).toMatchObject({ status: 'pending' });
    h.sim.world.renameUser('carol', 'carol-elsewhere');
    h.sim.world.renameUser('erin', 'carol');
    await h.click((await h.runtime.store.getRequest(body.id))!.checkRunId!, 'carol');
    expect(await h.runtime.store.votes(body.id)).toEqual([]);
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('pending');
  });
});

describe('a gate answers only for the latest attempt of its run', () => {
  it('an approval of attempt 1 is not sent once the run was re-run, though no run-completed event came', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const r = run();
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    const gate = await gateOf(r);
    // Someone else re-runs the run: attempt 2 now waits on the environment too.
    h.sim.world.addRun(h.repo, { id: r.id, attempt: 2, actor: 'dana', triggeringActor: 'mallory' });
    await h.click(gate.checkRunId!, 'alice');
    await vi.waitFor(async () =>
      expect((await h.runtime.store.auditEvents()).map((e) => e.type)).toContain('gate_answered'),
    );
    expect(h.repo.gateReviews).toEqual([]);
    const answered = (await h.runtime.store.auditEvents()).find((e) => e.type === 'gate_answered')!;
    expect(answered.data).toMatchObject({ sent: false, superseded_by_attempt: 2 });
  });
});

describe('a gate approval carries over only while it still holds', () => {
  async function approvedGate() {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const r = run();
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    await h.click((await gateOf(r)).checkRunId!, 'alice');
    await vi.waitFor(() => expect(h.repo.gateReviews).toHaveLength(1));
    return r;
  }

  it('a step is not carried after its approver was removed from the policy', async () => {
    const r = await approvedGate();
    h.sim.world.commit(h.repo, 'main', {
      '.approvals/p.yml': POLICY.replace('alice, bob, carol', 'bob, carol'),
    });
    const step = await h.step({ runId: r.id });
    const { body } = await h.request(step);
    expect(body.status).toBe('pending');
  });

  it('a step is not carried after `required` was raised', async () => {
    const r = await approvedGate();
    h.sim.world.commit(h.repo, 'main', {
      '.approvals/p.yml': POLICY.replace('timeout: 30m', 'timeout: 30m\n    required: 2'),
    });
    const step = await h.step({ runId: r.id });
    const { body } = await h.request(step);
    expect(body.status).toBe('pending');
  });

  it('a step is carried while the approval still holds', async () => {
    const r = await approvedGate();
    const step = await h.step({ runId: r.id });
    const { body } = await h.request(step);
    expect(body.status).toBe('approved');
    expect(body.token).toBeDefined();
  });
});

describe("a fork's run at the gate", () => {
  const AUTO = `version: 1
policies:
  - name: main-ships
    match: { action: [job-gate], environment: [production] }
    approvers: { users: [alice] }
    auto_approve: [{ ref: [refs/heads/main] }]
`;

  it('its branch named main is not this repository’s main: the gate waits, its ref naming the fork', async () => {
    h = await new AppHarness().start({ 'p.yml': AUTO });
    h.sim.world.addUser('alice');
    const fork = h.sim.world.addRepo('mallory/shop', { files: {} });
    const theirs = h.sim.world.addRun(h.repo, {
      id: ++nextRun,
      actor: 'mallory',
      event: 'pull_request',
      headRepo: fork,
      headBranch: 'main',
    });
    await h.hooks.deploymentProtectionRuleRequested(h.repo, theirs, 'production', { ref: 'refs/heads/main' });
    const gate = await gateOf(theirs);
    expect(gate.status).toBe('pending');
    expect(gate.claims.ref).toBe('refs/forks/mallory/shop/main');
    expect(h.repo.gateReviews).toEqual([]);
    // This repository's own main still ships at once.
    const ours = run();
    await h.hooks.deploymentProtectionRuleRequested(h.repo, ours, 'production', { ref: 'refs/heads/main' });
    expect((await gateOf(ours)).status).toBe('approved');
  });
});
