// Team membership answers: a screen (may this vote count at all?) reuses one for
// MEMBERSHIP_CACHE_SECONDS, so a stranger's repeats cost one call per team per period; the vote
// itself is judged on a fresh answer, so a member removed from the team never counts after it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { teams: [acme/sre] }
    timeout: 2h
`;

const h = new AppHarness();
h.env = { GITHUB_WRITES_PER_MINUTE: '0', MEMBERSHIP_CACHE_SECONDS: '30' };
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  h.sim.world.addTeam('acme/sre', { active: ['sam', 'sue'] });
  h.sim.world.addUser('mallory');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

let run = 0;
async function pending(): Promise<{ id: string; checkRun: number }> {
  const { body } = await h.request(await h.step({ runId: ++run }));
  expect(body.status).toBe('pending');
  return { id: body.id, checkRun: await checkRunOf(h, body.id) };
}

/** Membership calls GitHub has had about `login` so far. */
const asked = (login: string): number =>
  h.sim.calls.filter(
    (c) => c.operation === 'teams/get-membership-for-user-in-org' && c.path.endsWith(`/${login}`),
  ).length;

const status = async (id: string) => (await h.runtime.store.getRequest(id))!.status;

describe('team membership answers', () => {
  it("a stranger's clicks, at once and one after another, cost one call per MEMBERSHIP_CACHE_SECONDS", async () => {
    const { id, checkRun } = await pending();
    const before = asked('mallory');
    await Promise.all(Array.from({ length: 10 }, () => h.clickOnly(checkRun, 'mallory')));
    for (let i = 0; i < 5; i++) await h.click(checkRun, 'mallory');
    expect(asked('mallory') - before).toBe(1);
    h.offsetMs += 30_000; // the answer is stale: the next screen asks again
    await h.click(checkRun, 'mallory');
    expect(asked('mallory') - before).toBe(2);
    expect(await status(id)).toBe('pending');
  });

  it('a member removed from the team is screened in for the period, but her vote is judged fresh and does not count', async () => {
    const first = await pending();
    await h.click(first.checkRun, 'sam'); // screened, judged and decided: sam's answer is cached
    expect(await status(first.id)).toBe('approved');
    h.sim.world.teams.get('acme/sre')!.members.delete('sam');
    const second = await pending();
    const before = asked('sam');
    await h.click(second.checkRun, 'sam');
    await h.settled(second.id);
    expect(asked('sam') - before).toBe(1); // the judge's question, not the screen's
    const r = (await h.runtime.store.getRequest(second.id))!;
    expect(r.status).toBe('pending');
    expect(r.ignoredVotes.at(-1)).toMatchObject({
      login: 'sam',
      reason: expect.stringContaining('not an eligible approver'),
    });
    expect(await h.runtime.store.votes(second.id)).toEqual([]);
  });

  it('an approval resting on a team vote is decided on fresh answers', async () => {
    const { id, checkRun } = await pending();
    const before = asked('sue');
    await h.click(checkRun, 'sue');
    expect(await status(id)).toBe('approved');
    // The screen, the judge and the decision each asked: only the screen may reuse an answer.
    expect(asked('sue') - before).toBe(3);
    const again = await pending();
    await h.click(again.checkRun, 'sue');
    expect(await status(again.id)).toBe('approved');
    expect(asked('sue') - before).toBe(5); // the screen's answer was reused; the judge and decision asked
  });

  it('a user just added to the team is screened out until the period passes', async () => {
    const { id, checkRun } = await pending();
    await h.click(checkRun, 'mallory');
    h.sim.world.teams.get('acme/sre')!.members.set('mallory', { state: 'active', role: 'member' });
    await h.click(checkRun, 'mallory');
    expect(await status(id)).toBe('pending');
    h.offsetMs += 30_000;
    await h.click(checkRun, 'mallory');
    expect(await status(id)).toBe('approved');
  });
});
