// A flood of clicks that cannot count: no GitHub write each, a bounded list, and an eligible vote
// that never waits behind them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IGNORED_SHOWN } from '../../app/service/ignored-clicks.ts';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice], teams: [acme/sre] }
`;

const h = new AppHarness();
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  h.sim.world.addTeam('acme/sre', { active: ['sam'] });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('click spam', () => {
  it('300 clicks by a non-approver cost no GitHub write each, and the approver is not queued behind them', async () => {
    const step = await h.step({ runId: 1 });
    const { body } = await h.request(step);
    const checkRunId = await checkRunOf(h, body.id);
    const updates = () => h.sim.calls.filter((c) => c.operation === 'checks/update').length;
    const before = updates();
    // Count the turns taken under the request's lock while the flood goes on.
    const locks = h.runtime.service.ledger;
    const run = locks.locked.bind(locks);
    let turns = 0;
    locks.locked = ((id: string, work: () => Promise<unknown>) => {
      if (id === body.id) turns++;
      return run(id, work);
    }) as typeof locks.locked;
    try {
      await Promise.all([
        ...Array.from({ length: 300 }, () => h.clickOnly(checkRunId, 'mallory')),
        h.clickOnly(checkRunId, 'alice'),
      ]);
      expect((await h.runtime.store.getRequest(body.id))!.status).toBe('approved');
      expect(turns).toBeLessThanOrEqual(3); // the vote itself, and at most a flush or two
    } finally {
      locks.locked = run;
    }
    await h.runtime.service.ignored.flushAll();
    expect(updates() - before).toBeLessThanOrEqual(4); // the decision, and the flushed clicks
    const r = (await h.runtime.store.getRequest(body.id))!;
    expect(r.ignoredVotes.length).toBeLessThanOrEqual(IGNORED_SHOWN);
    expect(r.ignoredTotal).toBe(300);
    const audited = (await h.runtime.store.auditEvents()).filter(
      (e) => e.requestId === body.id && e.type === 'vote_ignored',
    );
    // One sender's flood is audited once (per 10 minutes), and counted in full (issue 22).
    expect(audited).toHaveLength(1);
    expect(await h.runtime.metrics.render()).toMatch(/^jit_votes_ignored_total 300$/m);
    expect(h.checkRun(checkRunId).output.text).toContain('300 in all; the newest 20');
  });

  it('a team member is screened in, not out', async () => {
    const step = await h.step({ runId: 2 });
    const { body } = await h.request(step);
    await h.click(await checkRunOf(h, body.id), 'sam');
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('approved');
  });
});
