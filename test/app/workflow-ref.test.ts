// Issue 22: `match.workflow` reads the workflow's path from `workflow_ref`, which is
// `<owner>/<repo>/<path>@<ref>`. A ref may hold an `@` itself (`hotfix@now`, `web@1.2.3`): the path
// is what is left once exactly `@` + the token's `ref` is cut off, so a freeze keyed on the
// workflow holds whatever the branch or tag is called.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    auto_approve: [{}]
  - name: review
    match: { action: ["review-*"] }
    approvers: { users: [alice] }
  - name: deploy-workflow-freeze
    match: { action: ["deploy-*"], workflow: [.github/workflows/deploy.yml] }
    freeze: [{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z", reason: Release freeze }]
`;

const h = new AppHarness();
let run = 700;
beforeAll(() => h.start({ 'p.yml': POLICY }));
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('match.workflow with an @ in the ref', () => {
  it.each([
    ['a branch', 'refs/heads/hotfix@now'],
    ['a tag', 'refs/tags/web@1.2.3'],
    ['a branch with two', 'refs/heads/a@b@c'],
    ['a plain branch', 'refs/heads/main'],
  ])('%s (%s): the freeze keyed on the workflow holds', async (_, ref) => {
    const res = await h.request(await h.step({ runId: ++run, ref }));
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('denied');
    expect(res.body.decision.policies).toEqual(['deploy', 'deploy-workflow-freeze']);
    expect(res.body.decision.reasons.map((r) => r.message).join('\n')).toContain(
      'policy "deploy-workflow-freeze": inside freeze Release freeze',
    );
  });

  it('the check run shows the workflow by its path', async () => {
    const res = await h.request(await h.step({ runId: ++run, ref: 'refs/tags/web@1.2.3' }), {
      action: 'review-web',
    });
    expect(res.body.status).toBe('pending');
    const summary = h.checkRun(await checkRunOf(h, res.body.id)).output.summary!.replaceAll('\u2060', '');
    expect(summary).toContain('[.github/workflows/deploy.yml](');
    expect(summary).not.toContain('deploy.yml@');
  });

  it('a token whose workflow_ref does not end in @ + its ref is refused, not guessed at', async () => {
    const step = await h.step({ runId: ++run, ref: 'refs/heads/hotfix@now' });
    const calls = h.sim.calls.length;
    const res = await h.request(
      step,
      {},
      {
        claims: { workflow_ref: 'acme/shop/.github/workflows/deploy.yml@refs/heads/hotfix' },
      },
    );
    expect(res.status).toBe(403);
    expect(res.body.error!.message).toBe(
      'the token\'s claims disagree: workflow_ref "acme/shop/.github/workflows/deploy.yml@refs/heads/hotfix" does not end in "@" and its ref "refs/heads/hotfix@now", so the app cannot tell which workflow runs',
    );
    expect(h.sim.calls.length).toBe(calls); // refused before anything is read or stored
  });
});
