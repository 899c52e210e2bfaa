// Issue 26, outsider (severity HIGH: an automatic approval against the policy). `pull_request`
// counts each reviewer's last APPROVED review before the merge, whatever commit it approved. A fork's
// author gets two maintainers to approve a harmless head, then pushes another commit to the same
// branch; a maintainer merges. The deploy of the merge commit is approved automatically as
// "approved by @alice, @bob", though neither reviewed the code that shipped (each review carries
// `commit_id`: the head it approved).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"], environment: [production] }
    approvers: { users: [sre-ann, sre-bo] }
    required: 2
    auto_approve:
      - ref: [refs/heads/main]
        checks: [build]
        pull_request: { approvals: 2 }
`;

let h: AppHarness;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
  for (const u of ['sre-ann', 'sre-bo', 'alice', 'bob']) h.sim.world.addUser(u);
  for (const u of ['alice', 'bob']) h.repo.collaborators.set(u, 'write');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('approvals of an earlier head of the pull request', () => {
  it('do not count for the code merged after them', async () => {
    const w = h.sim.world;
    const pull = w.openPull(h.repo, {
      head: 'mallory-typo',
      user: 'mallory',
      changes: { 'README.md': 'typo fixed' },
    });
    const reviewed = pull.headSha;
    w.addReview(h.repo, pull, { user: 'alice', state: 'APPROVED' });
    w.addReview(h.repo, pull, { user: 'bob', state: 'APPROVED' });
    // After the approvals, mallory pushes another commit to her branch: nobody reviews it.
    pull.headSha = w.commit(h.repo, pull.headRef, { 'src/pay.ts': 'send all to mallory' });
    pull.changes = { ...pull.changes, 'src/pay.ts': 'send all to mallory' };
    expect(pull.reviews!.every((r) => r.commitId === reviewed)).toBe(true);
    const sha = w.mergePull(h.repo, pull, { mergedBy: 'dana' });
    w.addCheckRunFor(h.repo, sha, { name: 'build', conclusion: 'success' });
    const res = await h.request(await h.step({ runId: 26_201, sha }));
    expect(res.body.status).toBe('pending');
    expect(res.body.decision.auto).toBe(false);
  });
});
