// Adversary (adv22, new surfaces): a job gate is opened for any run whose job waits on an environment
// that has the app as a protection rule, including the runs of a stranger's pull request (a fork's
// workflow may name any environment; one with no deployment-branch restriction, GitHub's default,
// lets the run reach the protection rules). Every push to the pull request is a new run, and each
// run's gate is a new request: a check run, a comment that @mentions the approvers, and chat
// messages. The limits bound requests per run attempt (MAX_REQUESTS_PER_RUN), policy checks and
// command answers per sender, but nothing bounds the requests one account's runs open: a stranger who
// can approve nothing makes the app notify the approvers once per push, for as long as they push.
import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: [job-gate], environment: [production] }
    approvers: { users: [alice, bob] }
    notify: { github: comment }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
});

describe("a stranger's pull request runs and the job gate", () => {
  it('twelve pushes by one stranger do not @mention the approvers twelve times', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    h.repo.private = false;
    h.sim.world.addUser('alice');
    h.sim.world.addUser('bob');
    const pull = h.sim.world.openPull(h.repo, { head: 'mallory-patch', user: 'mallory' });
    const fork = h.sim.world.addRepo('mallory/shop', { files: {} });
    for (let i = 0; i < 12; i++) {
      pull.headSha = h.sim.world.commit(h.repo, 'mallory-patch', { 'x.txt': `push ${i}` });
      const run = h.sim.world.addRun(h.repo, {
        id: 22_800 + i,
        actor: 'mallory',
        event: 'pull_request',
        headSha: pull.headSha,
        headRepo: fork,
        headBranch: 'patch',
      });
      await h.hooks.deploymentProtectionRuleRequested(h.repo, run, 'production', {
        ref: `refs/pull/${pull.number}/merge`,
      });
    }
    const pending = await h.runtime.store.pendingRequests();
    for (const r of pending) await h.settled(r.id);
    const mentions = h.repo.commitComments.filter((c) => c.body.includes('@alice'));
    // Every one of them is a new notification to alice and bob, and a check run and a row more.
    expect(pending.length, 'gate requests one stranger opened').toBeGreaterThan(0);
    expect(mentions.length, 'comments that @mention the approvers, for one stranger').toBe(3);
  }, 60_000);
});
