// Issue 26, outsider (severity LOW: a wrong handover shown). A stranger's finished checks spend a
// waiting request's MAX_CHECK_READS re-reads, and the app hands it to its approvers ("the approvers
// decide"), its checks still running. The first approver's vote decides it again on the evidence
// kept with it (checks running, checks_timeout not passed) and it is back to waiting: its check run
// says "Waiting for checks (slow)" to approvers who were asked to decide, and the reason they were
// asked is gone. (Votes still count: the second approver's click approves it.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CHECK_READS } from '../../app/service/checks-finished.ts';
import { AppHarness, checkRunOf } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [sre-ann, sre-bo] }
    required: 2
    auto_approve: [{ checks: true }]
`;

let h: AppHarness;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
  h.sim.world.addUser('sre-ann');
  h.sim.world.addUser('sre-bo');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('a request handed to its approvers because its check reads were spent', () => {
  it('stays with its approvers after a vote, and says so', async () => {
    const w = h.sim.world;
    const sha = w.commit(h.repo, 'main', { 'src/x.ts': 'x' });
    w.addCheckRunFor(h.repo, sha, { name: 'slow', status: 'in_progress' });
    const stranger = w.addUser('stranger');
    const step = await h.step({ runId: 26_701, sha });
    const res = await h.request(step);
    expect(res.body.decision.awaiting).toBeDefined();
    for (let i = 0; i < MAX_CHECK_READS + 1; i++) {
      const run = w.addCheckRunFor(h.repo, sha, { name: `spam ${i}`, conclusion: 'success' });
      await h.hooks.checkRunCompleted(h.repo, run, stranger);
    }
    await h.settled(res.body.id);
    const handed = await h.poll(step, res.body.id);
    expect(handed.body.decision.awaiting).toBeUndefined();

    const check = await checkRunOf(h, res.body.id);
    await h.click(check, 'sre-ann');
    await h.settled(res.body.id);
    const after = await h.poll(step, res.body.id);
    expect(after.body.status).toBe('pending');
    expect(after.body.decision.awaiting).toBeUndefined();
    expect(h.checkRun(check).output.title).not.toMatch(/^Waiting for checks/);
  }, 60_000);
});
