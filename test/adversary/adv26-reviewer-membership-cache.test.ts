// Issue 26, outsider (severity MEDIUM: an automatic approval against the policy, within
// MEMBERSHIP_CACHE_SECONDS). `pull_request: { teams: [...] }` counts a reviewer by an answer about
// their team membership that may be up to MEMBERSHIP_CACHE_SECONDS old, cached by login
// (read-signals: isActiveMember(..., { cached: true })). The app's own rule (port.ts, and
// test/app/membership-cache.test.ts) is that only screens reuse answers: a decision rests on fresh
// ones. A login is not an account: when a team member renames herself, her old login is free, and an
// outsider who takes it within the period inherits her cached membership. (The same gap lets a
// member removed from the team count for the period.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"], environment: [production] }
    approvers: { users: [sre-ann] }
    auto_approve:
      - ref: [refs/heads/main]
        checks: [build]
        pull_request: { approvals: 1, teams: [acme/reviewers] }
`;

let h: AppHarness;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
  h.sim.world.addUser('sre-ann');
  h.sim.world.addTeam('acme/reviewers', { active: ['alice'] });
  // Write access (which a counted review needs) is kept by login here: only membership is at stake.
  h.repo.collaborators.set('alice', 'write');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

function mergedPull(author: string, reviewer: string, head: string): string {
  const w = h.sim.world;
  const pull = w.openPull(h.repo, { head, user: author, changes: { [`src/${head}.ts`]: head } });
  w.addReview(h.repo, pull, { user: reviewer, state: 'APPROVED' });
  const sha = w.mergePull(h.repo, pull, { mergedBy: 'dana' });
  w.addCheckRunFor(h.repo, sha, { name: 'build', conclusion: 'success' });
  return sha;
}

describe("a reviewer's team membership", () => {
  it('is read fresh for the decision, by account: a login taken over does not inherit it', async () => {
    // alice (acme/reviewers) approves carol's pull request: its deploy is approved automatically.
    const first = await h.request(await h.step({ runId: 26_601, sha: mergedPull('carol', 'alice', 'one') }));
    expect(first.body.status).toBe('approved');
    // alice renames herself; mallory takes the login "alice" at once (a new account, not a member).
    const real = h.sim.world.renameUser('alice', 'alice-moved');
    const taken = h.sim.world.addUser('alice');
    expect(taken.id).not.toBe(real.id);
    expect(h.sim.world.teams.get('acme/reviewers')!.members.has('alice')).toBe(false);
    // The new "alice" approves mallory's pull request, which a maintainer merges.
    const second = await h.request(
      await h.step({ runId: 26_602, sha: mergedPull('mallory', 'alice', 'two') }),
    );
    expect(second.body.status).toBe('pending');
    expect(second.body.decision.auto).toBe(false);
  });
});
