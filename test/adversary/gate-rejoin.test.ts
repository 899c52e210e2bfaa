// Adversary (adv22): a job gate's approval is shared by the jobs of its run attempt that wait on the
// environment. A job that starts waiting later (it `needs:` a long build) is answered from the stored
// approval. A step carried by the gate and a leg joining an approved request are judged again on
// today's policies ("A freeze or window still applies"; "an approver removed since … carries
// nothing over"): a later job at the gate must be held to the same.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SimRun } from '../github-sim/world.ts';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: [job-gate, "deploy-*"], environment: [production] }
    approvers: { users: [alice, bob] }
    timeout: 2h
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
});

let nextRun = 22_400;

async function approvedGate(): Promise<SimRun> {
  h = await new AppHarness().start({ 'p.yml': POLICY });
  const r = h.sim.world.addRun(h.repo, { id: ++nextRun, actor: 'dana' });
  await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
  const [gate] = await h.runtime.store.requestsForRun(String(h.repo.id), String(r.id), String(r.attempt));
  await h.click(gate!.checkRunId!, 'alice');
  await vi.waitFor(() => expect(h.repo.gateReviews).toHaveLength(1));
  expect(h.repo.gateReviews[0]).toMatchObject({ state: 'approved' });
  return r;
}

describe('a later job of the run at an approved gate', () => {
  it('is not let through once a freeze covers now', async () => {
    const r = await approvedGate();
    const from = new Date(Date.now() - 60_000).toISOString();
    const until = new Date(Date.now() + 86_400_000).toISOString();
    h.sim.world.commit(h.repo, 'main', {
      '.approvals/p.yml': `${POLICY}    freeze: [{ from: "${from}", until: "${until}", reason: incident }]\n`,
    });
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production'); // the deploy job, later
    await vi.waitFor(() => expect(h.repo.gateReviews).toHaveLength(2));
    expect(h.repo.gateReviews[1]).toMatchObject({ state: 'rejected' });
  });

  it('is not let through on the vote of an approver removed from the policy since', async () => {
    const r = await approvedGate();
    h.sim.world.commit(h.repo, 'main', { '.approvals/p.yml': POLICY.replace('alice, bob', 'bob') });
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    await h.settled((await h.runtime.store.requestsForRun(String(h.repo.id), String(r.id), '1'))[0]!.id);
    expect(h.repo.gateReviews.slice(1).map((g) => g.state)).not.toContain('approved');
  });
});

describe('a gate answer GitHub did not take, sent later by the sweep', () => {
  it('is not an approval once the approval has expired (the job would start hours later on a stale yes)', async () => {
    h = new AppHarness();
    h.sweepEveryMs = 3_600_000; // the test sweeps when it says so
    await h.start({ 'p.yml': POLICY });
    const r = h.sim.world.addRun(h.repo, { id: ++nextRun, actor: 'dana' });
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    const [gate] = await h.runtime.store.requestsForRun(String(h.repo.id), String(r.id), String(r.attempt));
    h.sim.inject('actions/review-custom-gates-for-run', 502); // GitHub fails the deciding vote's answer
    await h.click(gate!.checkRunId!, 'alice');
    expect(h.repo.gateReviews).toEqual([]);
    h.offsetMs += 3 * 3_600_000; // GitHub comes back three hours later: the 2h approval has lapsed
    await h.runtime.service.sweep();
    expect(h.repo.gateReviews.map((g) => g.state)).not.toContain('approved');
  });

  it('is not an approval once a freeze covers now', async () => {
    h = new AppHarness();
    h.sweepEveryMs = 3_600_000;
    await h.start({ 'p.yml': POLICY });
    const r = h.sim.world.addRun(h.repo, { id: ++nextRun, actor: 'dana' });
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    const [gate] = await h.runtime.store.requestsForRun(String(h.repo.id), String(r.id), String(r.attempt));
    h.sim.inject('actions/review-custom-gates-for-run', 502);
    await h.click(gate!.checkRunId!, 'alice');
    const from = new Date(Date.now() - 60_000).toISOString();
    const until = new Date(Date.now() + 86_400_000).toISOString();
    h.sim.world.commit(h.repo, 'main', {
      '.approvals/p.yml': `${POLICY}    freeze: [{ from: "${from}", until: "${until}", reason: incident }]\n`,
    });
    await h.runtime.service.sweep();
    expect(h.repo.gateReviews.map((g) => g.state)).not.toContain('approved');
  });
});

describe("an organization's freeze and a job gate approved before it", () => {
  it('a later job of the run is not let through once acme/.github freezes production', async () => {
    h = new AppHarness();
    await h.start({ 'p.yml': POLICY }, { app: false });
    const org = h.sim.world.addRepo('acme/.github', {
      files: { '.approvals/org.yml': 'version: 1\npolicies:\n  - name: guard\n    match: {}\n' },
    });
    await h.startApp();
    const r = h.sim.world.addRun(h.repo, { id: ++nextRun, actor: 'dana' });
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    const [gate] = await h.runtime.store.requestsForRun(String(h.repo.id), String(r.id), String(r.attempt));
    await h.click(gate!.checkRunId!, 'alice');
    await vi.waitFor(() => expect(h.repo.gateReviews).toHaveLength(1));
    const from = new Date(Date.now() - 60_000).toISOString();
    const until = new Date(Date.now() + 86_400_000).toISOString();
    h.sim.world.commit(org, 'main', {
      '.approvals/org.yml': `version: 1
policies:
  - name: incident-freeze
    match: { environment: [production] }
    freeze: [{ from: "${from}", until: "${until}", reason: incident }]
`,
    });
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    await vi.waitFor(() => expect(h.repo.gateReviews).toHaveLength(2));
    expect(h.repo.gateReviews[1]).toMatchObject({ state: 'rejected' });
  });
});
