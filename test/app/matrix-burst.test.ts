// Issue 18: a matrix of jobs asking at once shares one request, one check run and a few updates of
// it, reads its workflow once, and one vote resumes every leg, each with its own token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, type Step } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read } }
`;

const h = new AppHarness();
h.env.POLICY_CACHE_SECONDS = '60';

beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

const LEGS = 12;

describe('a matrix of jobs asking at once', () => {
  it('shares one check run with few updates, reads the workflow once, and one vote resumes every leg', async () => {
    const warm = await h.step({ runId: 500 });
    await h.request(warm); // the installation's token and the policies
    const legs: Step[] = [];
    for (let i = 0; i < LEGS; i++)
      legs.push(await h.step({ runId: 501 }, h.repo, { jobName: `deploy (${i})` }));
    const since = h.sim.calls.length;
    const made = await Promise.all(legs.map((s) => h.request(s)));
    expect(made.map((m) => m.status)).toEqual(legs.map(() => 201));
    const id = made[0]!.body.id;
    expect(new Set(made.map((m) => m.body.id))).toEqual(new Set([id]));
    const ops = h.sim.calls.slice(since).map((c) => c.operation);
    expect(ops.filter((o) => o === 'checks/create')).toHaveLength(1);
    // Legs that join while an update waits for the lock share it: fewer updates than legs.
    expect(ops.filter((o) => o === 'checks/update').length).toBeLessThan(LEGS - 1);
    // The workflow at this commit was read for the first run's step: a file at a commit never changes.
    expect(ops.filter((o) => o === 'repos/get-content')).toHaveLength(0);
    const check = h.repo.checkRuns.find((c) => c.external_id === id)!;
    expect(check.output.summary).toContain(`Jobs (${LEGS})`); // every leg shown once all are answered

    const polls = legs.map((s) => h.poll(s, id, 30));
    while (h.runtime.service.deps.waiters.size < LEGS) await new Promise((r) => setImmediate(r));
    const voted = h.sim.calls.length;
    await h.click(check.id, 'alice');
    const answers = await Promise.all(polls);
    const tokens = await Promise.all(answers.map((a, i) => h.decrypt(legs[i]!, a.body.token!.jwe)));
    expect(new Set(tokens).size).toBe(LEGS); // a token of its own for each leg
    expect(
      h.sim.calls.slice(voted).filter((c) => c.operation === 'apps/create-installation-access-token'),
    ).toHaveLength(LEGS);
    const r = (await h.runtime.store.getRequest(id))!;
    expect(r.legs.every((l) => l.token !== null)).toBe(true);
    const granted = (await h.runtime.store.auditEvents()).filter(
      (e) => e.requestId === id && e.type === 'token_granted',
    );
    expect(granted).toHaveLength(LEGS);
    // Minted together: one save stored them all (one audit time), not one lock section per leg.
    expect(new Set(granted.map((e) => e.at)).size).toBe(1);
  });
});
