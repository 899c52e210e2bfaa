// Adversary (faults): a vote, or the answer to it, lost when its processing fails once and GitHub
// redelivers nothing (GitHub never redelivers a failed delivery by itself). README, "What survives
// what": "a click whose processing fails (GitHub or the database): GitHub's delivery fails; the
// sweep processes the recorded click 5 s later". Both failed before the fix (vote-intake.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    timeout: 30m
  - name: teams
    match: { action: ["team-*"] }
    approvers: { teams: [acme/sre] }
    timeout: 30m
`;

const h = new AppHarness();
let runId = 0;
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  h.sim.world.addTeam('acme/sre', { active: ['sam'] });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

/** Runs the sweep as it runs after the delivery's grace period (5 s) has passed. */
async function sweepLater(): Promise<void> {
  h.offsetMs = 10_000;
  try {
    await h.runtime.service.sweep();
  } finally {
    h.offsetMs = 0;
  }
}

describe('a vote whose processing fails once, with nothing redelivered', () => {
  it('a team member’s click whose screening membership check GitHub answers 502 is counted by the sweep', async () => {
    const step = await h.step({ runId: ++runId });
    const { body } = await h.request(step, { action: 'team-deploy' });
    const checkRun = await checkRunOf(h, body.id);
    // The screen (cannotCount, before the delivery is recorded) asks GitHub about the team.
    h.sim.inject('teams/get-membership-for-user-in-org', 502);
    expect((await h.click(checkRun, 'sam')).status).toBeGreaterThanOrEqual(500);
    // GitHub redelivers nothing by itself: the sweep is what is left to count the click.
    await sweepLater();
    await sweepLater();
    await h.settled(body.id);
    // Lost: nothing recorded the delivery, so the sweep has nothing to process.
    expect((await h.runtime.store.votes(body.id)).map((v) => v.voterLogin)).toEqual(['sam']);
    expect((await h.poll(step, body.id)).body.status).toBe('approved');
  });

  it('a counted /approve whose processing GitHub failed once gets its reaction once the sweep counts it', async () => {
    const sha = h.sim.world.commit(h.repo, 'main', { [`r-${++runId}`]: String(runId) });
    const step = await h.step({ runId, sha });
    const { body } = await h.request(step);
    await h.settled(body.id);
    // The policies are read afresh (a push to them drops what is cached, also what an earlier
    // test's sweep read on its clock ahead), and that read, under the lock after the delivery was
    // recorded, fails once.
    const before = h.repo.branches.get('main')!;
    const after = h.sim.world.commit(h.repo, 'main', { '.approvals/p.yml': `${POLICY}\n` });
    await h.hooks.push(h.repo, {
      ref: 'refs/heads/main',
      before,
      after,
      changed: ['.approvals/p.yml'],
      pusher: h.sim.world.addUser('dana'),
    });
    h.sim.inject('repos/get-content', 502);
    const alice = h.sim.world.addUser('alice');
    expect((await h.hooks.commitComment(h.repo, sha, alice, '/approve')).status).toBeGreaterThanOrEqual(500);
    const command = h.repo.commitComments.at(-1)!;
    expect(command.body).toBe('/approve');
    await sweepLater();
    await h.settled(body.id);
    await h.runtime.service.drain(['reaction']);
    // The vote counts (the sweep processed the recorded delivery)...
    expect((await h.poll(step, body.id)).body.status).toBe('approved');
    // ...but the reaction was to be scheduled by the webhook handler after handleVote returned:
    // the sweep's retryVotes never schedules it. Lost.
    expect(command.reactions).toEqual([{ content: '+1', user: 'jit-approvals[bot]' }]);
  });
});
