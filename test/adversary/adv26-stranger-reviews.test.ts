// Issue 26, outsider (severity HIGH: an automatic approval against the policy). `pull_request:
// { approvals: 2 }` counts any account's APPROVED review. On a public repository anyone can submit
// one: a fork's author opens a pull request and approves it with two throwaway accounts that have no
// access to the repository (GitHub's own branch protection never counts such reviews: only reviewers
// with write access do). A maintainer merges it; the push's deploy is then approved automatically as
// "approved by @sock-1, @sock-2", although no one with any standing in the repository reviewed it.
// Reviews by apps (`[bot]` accounts: an AI review bot that approves what it scanned, or an app of
// the attacker's with pull_requests: write) count the same way.
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
  for (const u of ['sre-ann', 'sre-bo']) h.sim.world.addUser(u);
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('reviews by accounts with no access to the repository', () => {
  it('do not count toward pull_request approvals', async () => {
    const w = h.sim.world;
    // mallory (an outsider, from a fork) and her two accounts: none is a collaborator of acme/shop.
    const pull = w.openPull(h.repo, {
      head: 'mallory-patch',
      user: 'mallory',
      changes: { 'src/pay.ts': 'evil' },
    });
    w.addReview(h.repo, pull, { user: 'sock-1', state: 'APPROVED' });
    w.addReview(h.repo, pull, { user: 'sock-2', state: 'APPROVED' });
    expect(h.repo.collaborators.get('sock-1') ?? 'none').toBe('none');
    // dana (a maintainer) merges it; CI passes; the push's deploy asks.
    const sha = w.mergePull(h.repo, pull, { mergedBy: 'dana' });
    w.addCheckRunFor(h.repo, sha, { name: 'build', conclusion: 'success' });
    const res = await h.request(await h.step({ runId: 26_101, sha }));
    // Two reviews by accounts without write access are not "reviewed": the SREs must decide.
    expect(res.body.status).toBe('pending');
    expect(res.body.decision.auto).toBe(false);
  });

  it('nor do reviews by apps (a review bot that approves what it scanned, or the attacker’s own app)', async () => {
    const w = h.sim.world;
    const pull = w.openPull(h.repo, {
      head: 'mallory-patch-2',
      user: 'mallory',
      changes: { 'src/pay.ts': 'evil 2' },
    });
    w.addReview(h.repo, pull, { user: 'review-bot[bot]', state: 'APPROVED' });
    w.addReview(h.repo, pull, { user: 'mallory-app[bot]', state: 'APPROVED' });
    const sha = w.mergePull(h.repo, pull, { mergedBy: 'dana' });
    w.addCheckRunFor(h.repo, sha, { name: 'build', conclusion: 'success' });
    const res = await h.request(await h.step({ runId: 26_102, sha }));
    expect(res.body.status).toBe('pending');
    expect(res.body.decision.auto).toBe(false);
  });
});
