// Policies are cached until a push changes them, with bounded staleness as a safety net.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: docs
    match: { action: [publish-docs] }
    auto_approve: [{}]
`;

const h = new AppHarness();
h.env = { POLICY_CACHE_SECONDS: '60' }; // as in production
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

const reads = () => h.sim.calls.filter((c) => c.operation === 'repos/get-content').length;

describe('the policy cache', () => {
  it('asks GitHub nothing for policies it confirmed within POLICY_CACHE_SECONDS', async () => {
    await h.request(await h.step({ runId: 1 }), { action: 'publish-docs' });
    const before = reads();
    for (let run = 2; run < 5; run++)
      expect((await h.request(await h.step({ runId: run }), { action: 'publish-docs' })).body.status).toBe(
        'approved',
      );
    // No policy read, and the workflow file at this commit was read for the first step.
    expect(reads() - before).toBe(0);
  });

  it('a push that changes .approvals/ takes effect on the very next request', async () => {
    const before = h.repo.branches.get('main')!;
    const after = h.sim.world.commit(h.repo, 'main', {
      '.approvals/p.yml': POLICY.replace('auto_approve: [{}]', 'approvers: { users: [alice] }'),
    });
    await h.hooks.push(h.repo, {
      ref: 'refs/heads/main',
      before,
      after,
      changed: ['.approvals/p.yml'],
      pusher: h.sim.world.addUser('dana'),
    });
    const res = await h.request(await h.step({ runId: 10, sha: after }), { action: 'publish-docs' });
    expect(res.body.status).toBe('pending');
  });
});
