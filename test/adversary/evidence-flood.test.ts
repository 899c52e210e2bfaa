// Issue 26, the outsider's view: anyone whose workflow runs on a commit (a fork's pull request too)
// can finish check runs on it, and each finished check makes the app read the checks of a request
// waiting on that commit again (3 GitHub calls). The reads per request are bounded: past
// MAX_CHECK_READS the approvers are asked, and a burst of completions costs at most two reads at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CHECK_READS } from '../../app/service/checks-finished.ts';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [sre-ann] }
    auto_approve: [{ checks: true }]
`;

let h: AppHarness;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
  h.sim.world.addUser('sre-ann');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

const checkReads = () => h.sim.callsByOperation()['checks/list-for-ref'] ?? 0;

describe('a flood of finished checks on a waiting request’s commit', () => {
  it('reads the checks at most MAX_CHECK_READS times, then asks the approvers', async () => {
    const sha = h.sim.world.commit(h.repo, 'main', { 'src/x.ts': 'x' });
    h.sim.world.addCheckRunFor(h.repo, sha, { name: 'slow', status: 'in_progress' });
    const stranger = h.sim.world.addUser('stranger');
    const step = await h.step({ runId: 880_001, sha });
    const res = await h.request(step);
    expect(res.body.decision.awaiting).toBeDefined();
    const before = checkReads();
    // Bursts of 10 at once, then one by one: every delivery is a finished check of the stranger's.
    for (let burst = 0; burst < 4; burst++)
      await Promise.all(
        Array.from({ length: 10 }, () => {
          const run = h.sim.world.addCheckRunFor(h.repo, sha, {
            name: `spam ${burst}`,
            conclusion: 'success',
          });
          return h.hooks.checkRunCompleted(h.repo, run, stranger);
        }),
      );
    for (let i = 0; i < MAX_CHECK_READS; i++) {
      const run = h.sim.world.addCheckRunFor(h.repo, sha, { name: `one ${i}`, conclusion: 'success' });
      await h.hooks.checkRunCompleted(h.repo, run, stranger);
    }
    expect(checkReads() - before).toBeLessThanOrEqual(MAX_CHECK_READS);
    await h.settled(res.body.id);
    const after = await h.poll(step, res.body.id);
    expect(after.body.status).toBe('pending');
    expect(after.body.decision.awaiting).toBeUndefined();
    expect(after.body.decision.reasons.map((r) => r.message).join('\n')).toContain(
      `read ${MAX_CHECK_READS} times while the request waited`,
    );
    expect(h.repo.commitComments.filter((c) => c.body.includes(res.body.id))).toHaveLength(1);
  });
});
