// Issue 26, outsider (severity MEDIUM: an automatic approval against the policy, for someone whose
// GitHub App is installed on the repository, or who can post commit statuses). `checks: [build,
// "test (*)"]` names checks, not who ran them: any app's check run (or any commit status) of that
// name counts. Here the repository's CI ran `build` but no tests on the commit (a paths filter, a
// skipped workflow); the attacker's app posts a check run "test (unit)" that concluded success, and
// the deploy is approved automatically as "CI green (build, test (unit))". GitHub's branch protection
// pins a required check to the app expected to set it for this reason; the policy cannot, and the
// app trusts every source.
//
// Resolution: like GitHub's required checks, a check of any source counts by default, and a policy
// pins the source with `checks_from` (app slugs, and `statuses` for commit statuses). Pinned to
// GitHub Actions, neither another app's check run nor a commit status of the same name counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"], environment: [production] }
    approvers: { users: [sre-ann] }
    auto_approve:
      - ref: [refs/heads/main]
        checks: [build, "test (*)"]
        checks_from: [github-actions]
`;

/** The attacker's GitHub App, installed on the repository with `checks: write`. */
const ATTACKER_APP = 4_242_424;

let h: AppHarness;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
  h.sim.world.addUser('sre-ann');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe("a check run named like the policy's, from another app", () => {
  it('does not stand in for the CI check the policy names', async () => {
    const w = h.sim.world;
    const sha = w.commit(h.repo, 'main', { 'src/pay.ts': 'x' });
    w.addCheckRunFor(h.repo, sha, { name: 'build', conclusion: 'success' }); // GitHub Actions
    // No test ran on this commit. The attacker's app says one did.
    w.addCheckRunFor(h.repo, sha, { name: 'test (unit)', conclusion: 'success', appId: ATTACKER_APP });
    w.setStatus(h.repo, sha, { context: 'test (e2e)', state: 'success', creator: 'mallory' });
    const res = await h.request(await h.step({ runId: 26_501, sha }));
    expect(res.body.status).toBe('pending');
    expect(res.body.decision.auto).toBe(false);
    expect(res.body.decision.reasons.map((r) => r.message).join('\n')).toContain(
      'no check on the commit from github-actions is named "test (*)"',
    );
    // Once GitHub Actions runs the tests, the deploy goes out automatically.
    w.addCheckRunFor(h.repo, sha, { name: 'test (unit)', conclusion: 'success' });
    const again = await h.request(await h.step({ runId: 26_502, sha }));
    expect(again.body.status).toBe('approved');
  });
});
