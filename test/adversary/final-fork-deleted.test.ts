// Adversary (final): a fork's run's job gate is given the ref `refs/forks/<owner>/<repo>/<branch>`
// only when GitHub names the run's head repository. GitHub answers `head_repository: null` for a
// run whose fork was deleted (github/rest-api-description#1586; its description still says
// required). A stranger's pull_request workflow is the stranger's own file: a first job sleeps, the
// stranger deletes the fork meanwhile, and the job that deploys to `production` reaches the gate.
// The app reads the run, sees no head repository, takes the run for one of this repository's own,
// and uses the delivery's ref, which for a fork's run names the fork's branch (`refs/heads/main`):
// a policy for this repository's main decides the stranger's deployment.
import { afterEach, describe, expect, it } from 'vitest';
import { ROUTES } from '../github-sim/routes.ts';
import { AppHarness } from '../app/harness.ts';

const AUTO = `version: 1
policies:
  - name: main-ships
    match: { action: [job-gate], environment: [production] }
    approvers: { users: [alice] }
    auto_approve: [{ ref: [refs/heads/main] }]
`;

const getRun = ROUTES['actions/get-workflow-run'];
let h: AppHarness;
afterEach(async () => {
  ROUTES['actions/get-workflow-run'] = getRun;
  await h?.stop();
});

describe("a fork's run whose fork was deleted before its gate", () => {
  it('is not taken for a run of this repository’s main: it is not auto-approved', async () => {
    h = await new AppHarness().start({ 'p.yml': AUTO });
    h.repo.private = false;
    h.sim.world.addUser('alice');
    const fork = h.sim.world.addRepo('mallory/shop', { files: {} });
    const theirs = h.sim.world.addRun(h.repo, {
      id: 99_001,
      actor: 'mallory',
      event: 'pull_request',
      headRepo: fork,
      headBranch: 'main',
    });
    // The fork is deleted: GitHub's run no longer names a head repository.
    ROUTES['actions/get-workflow-run'] = {
      ...getRun,
      handle: async (ctx) => {
        const reply = await getRun.handle(ctx);
        if (Number(ctx.params.run_id) === theirs.id && reply.status === 200)
          (reply.body as Record<string, unknown>).head_repository = null;
        return reply;
      },
    };
    await h.hooks.deploymentProtectionRuleRequested(h.repo, theirs, 'production', { ref: 'refs/heads/main' });
    const [gate] = await h.runtime.store.requestsForRun(String(h.repo.id), String(theirs.id), '1');
    expect.soft(gate!.claims.ref, 'the gate’s ref').not.toBe('refs/heads/main');
    expect.soft(gate!.status, 'a stranger’s deployment, with no one asked').not.toBe('approved');
    expect(h.repo.gateReviews.map((r) => r.state)).not.toContain('approved');
  });
});
