// Issue 26, outsider (severity MEDIUM: GitHub calls driven by a stranger, without bound). A job gate
// opens for each run of a stranger's pull request (adv22). Under a gate policy that auto-approves on
// `checks` (no `ref`: it applies to a fork's runs too), each such gate waits on the checks of the
// stranger's own commit, and the stranger's own workflow finishes jobs on that commit at will: every
// completion is a re-read of the checks (3 calls, and the check run shown again), up to
// MAX_CHECK_READS per request. The bound is per request, and every push is a new request: one
// account's pushes buy 30 re-reads each, from the installation's hourly budget that the repository's
// real deploys share. The announcements of a stranger's gates are capped per account (3); these
// reads were not.
//
// Resolution: a fork's run reads no evidence at all (its checks run the fork's own workflow files,
// so they prove nothing) and never waits on checks: its approvers decide.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CHECK_READS } from '../../app/service/checks-finished.ts';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: preview
    match: { action: [job-gate], environment: [preview] }
    approvers: { users: [alice] }
    auto_approve: [{ checks: true }]
`;

let h: AppHarness;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
  h.repo.private = false;
  h.sim.world.addUser('alice');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

const checkReads = () => h.sim.callsByOperation()['checks/list-for-ref'] ?? 0;
const PUSHES = 4;

describe("a stranger's pull request runs waiting on their own checks", () => {
  it('cost a bounded number of check reads per account, not MAX_CHECK_READS per push', async () => {
    const w = h.sim.world;
    const mallory = w.addUser('mallory');
    const pull = w.openPull(h.repo, { head: 'mallory-patch', user: 'mallory' });
    const fork = w.addRepo('mallory/shop', { files: {} });
    const before = checkReads();
    for (let i = 0; i < PUSHES; i++) {
      pull.headSha = w.commit(h.repo, 'mallory-patch', { 'x.txt': `push ${i}` });
      const sha = pull.headSha;
      // Another workflow of mallory's pull request: a job that stays in progress on her commit.
      w.addCheckRunFor(h.repo, sha, { name: 'slow', status: 'in_progress', appId: 900_001 + i });
      const run = w.addRun(h.repo, {
        id: 26_400 + i,
        actor: 'mallory',
        event: 'pull_request',
        headSha: sha,
        headRepo: fork,
        headBranch: 'patch',
      });
      await h.hooks.deploymentProtectionRuleRequested(h.repo, run, 'preview', {
        ref: `refs/pull/${pull.number}/merge`,
      });
      const [waiting] = (await h.runtime.store.pendingRequests()).filter((r) => r.claims.sha === sha);
      // A fork's run reads no evidence and waits for nothing: its approvers decide.
      expect(waiting?.decision.awaiting, `push ${i} does not wait on mallory's checks`).toBeUndefined();
      expect(waiting?.decision.reasons.map((x) => x.message).join('\n')).toContain("a fork's run");
      // Her workflow finishes one job after another on her commit (a matrix of 30).
      for (let j = 0; j < MAX_CHECK_READS; j++) {
        const job = w.addCheckRunFor(h.repo, sha, { name: `m (${j})`, conclusion: 'success' });
        await h.hooks.checkRunCompleted(h.repo, job, mallory);
      }
    }
    for (const r of await h.runtime.store.pendingRequests()) await h.settled(r.id);
    const reads = checkReads() - before;
    // None at all: a stranger's commit is never read for evidence.
    expect(reads, `check reads driven by one stranger's ${PUSHES} pushes`).toBe(0);
  }, 240_000);
});
