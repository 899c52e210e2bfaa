// Adversary (final): one account's fork runs announce at most 3 waiting gates per repository. The
// bound is read (count the account's waiting requests) before the new request is stored, outside
// any lock or transaction: gates that arrive together all count the same few and are all announced.
// A stranger's workflow is their own: each push's job sleeps until one wall-clock minute, so the
// gates of twelve pushes (or twelve pull requests) reach the app at once.
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

describe("a stranger's fork runs whose gates arrive together", () => {
  it('announce at most 3 waiting gates', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    h.repo.private = false;
    h.sim.world.addUser('alice');
    h.sim.world.addUser('bob');
    const fork = h.sim.world.addRepo('mallory/shop', { files: {} });
    const runs = [];
    for (let i = 0; i < 12; i++) {
      const pull = h.sim.world.openPull(h.repo, { head: `mallory-patch-${i}`, user: 'mallory' });
      pull.headSha = h.sim.world.commit(h.repo, `mallory-patch-${i}`, { 'x.txt': `push ${i}` });
      const run = h.sim.world.addRun(h.repo, {
        id: 99_100 + i,
        actor: 'mallory',
        event: 'pull_request',
        headSha: pull.headSha,
        headRepo: fork,
        headBranch: `patch-${i}`,
      });
      runs.push({ run, pull });
    }
    await Promise.all(
      runs.map(({ run, pull }) =>
        h.hooks.deploymentProtectionRuleRequested(h.repo, run, 'production', {
          ref: `refs/pull/${pull.number}/merge`,
        }),
      ),
    );
    const pending = await h.runtime.store.pendingRequests();
    for (const r of pending) await h.settled(r.id);
    const mentions = [...h.repo.comments, ...h.repo.commitComments].filter((c) => c.body.includes('@alice'));
    expect(pending.length, 'gate requests one stranger opened').toBe(12);
    expect(mentions.length, 'comments that @mention the approvers, for one stranger').toBeLessThanOrEqual(3);
  }, 60_000);
});
