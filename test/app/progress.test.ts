import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf } from './harness.ts';

// dana starts the run (the harness's actor); two of alice, bob and dana must approve.
const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob, dana], teams: [acme/sre] }
    required: 2
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
});

describe('progress while a request waits', () => {
  it('a long-poll answers on every change (a vote, an ignored click), not only on the decision', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const step = await h.step();
    const { body } = await h.request(step);
    const runId = await checkRunOf(h, body.id);
    const started = Date.now();
    // As the action polls: with the version of its last answer, so a vote that lands before this
    // poll is read still answers it.
    const first = h.poll(step, body.id, 30, body.version);
    await h.click(runId, 'alice');
    const afterVote = await first;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(afterVote.body).toMatchObject({
      status: 'pending',
      votes: [{ login: 'alice', decision: 'approve' }],
    });
    await h.click(runId, 'mallory');
    // Polling as the action does (each poll with its last answer's version) until the click shows:
    // saves that change nothing visible (the check run's bookkeeping) also answer a poll.
    let afterIgnored = await h.poll(step, body.id, 30, afterVote.body.version);
    for (let polls = 1; afterIgnored.body.ignored.length === 0 && polls < 5; polls++)
      afterIgnored = await h.poll(step, body.id, 30, afterIgnored.body.version);
    expect(afterIgnored.body.status).toBe('pending');
    expect(afterIgnored.body.ignored).toEqual([{ login: 'mallory', reason: expect.any(String) }]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a change made between two polls answers the next poll at once (since=<version>)', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const step = await h.step();
    const { body } = await h.request(step);
    await h.click(await checkRunOf(h, body.id), 'alice'); // before the step polls
    const started = Date.now();
    const polled = await h.poll(step, body.id, 30, body.version);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(polled.body.version).toBeGreaterThan(body.version);
    expect(polled.body.votes).toEqual([{ login: 'alice', decision: 'approve', comment: null }]);
    expect((await h.poll(step, body.id, 0, Number.NaN)).status).toBe(400);
  });

  it('"N more from" names only who can still decide: not who voted, not the actor', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const step = await h.step();
    const { body } = await h.request(step);
    const runId = await checkRunOf(h, body.id);
    await h.click(runId, 'alice');
    const summary = h.checkRun(runId).output.summary!;
    expect(summary).toContain('1 more from @bob, @acme/sre');
    const polled = await h.poll(step, body.id);
    expect(polled.body.decision.requirements[0]!.waiting_for).toEqual({
      users: ['bob'],
      teams: ['acme/sre'],
    });
  });
});
