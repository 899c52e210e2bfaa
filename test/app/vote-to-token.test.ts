// Issue 18: between the deciding vote and the waiting step holding its token, the app makes one
// GitHub call, the mint; the check run and the comment follow once the step has its answer.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read } }
`;

describe.each(['SQLite', 'PostgreSQL'] as const)('the deciding vote to the step token (%s)', (store) => {
  const h = new AppHarness();
  h.env.POLICY_CACHE_SECONDS = '60'; // as in production (the default): a push drops the cache
  if (store === 'PostgreSQL')
    h.database = { url: TEST_DATABASE_URL, schema: `t_${randomBytes(6).toString('hex')}` };
  beforeAll(async () => {
    await h.start({ 'p.yml': POLICY });
  });
  afterAll(async () => {
    await h.stop();
    h.sim.assertNoViolations();
  });

  it('makes the mint the only GitHub call before the step is answered, then shows the decision', async () => {
    // The operations GitHub had received when the app finished writing the step's answer.
    const answers = h.callsAtAnswers();
    const waiters = h.runtime.service.deps.waiters;
    const step = await h.step({ runId: 41 });
    const { body } = await h.request(step);
    const checkRunId = await checkRunOf(h, body.id);
    const waiting = h.poll(step, body.id, 30);
    while (waiters.size === 0) await new Promise((r) => setImmediate(r)); // the step is waiting
    const since = h.sim.calls.length;
    await h.click(checkRunId, 'alice');
    const answer = await waiting;
    const atAnswer = h.sim.calls.slice(since, answers.last()).map((c) => c.operation);
    expect(answer.body.status).toBe('approved');
    expect(await h.decrypt(step, answer.body.token!.jwe)).toMatch(/^ghs_/);
    expect(atAnswer).toEqual(['apps/create-installation-access-token']);

    // The click's delivery is answered once the decision is shown: the check run and the comment.
    const after = h.sim.calls.slice(since).map((c) => c.operation);
    expect(after.indexOf('apps/create-installation-access-token')).toBe(0);
    expect(after).toContain('checks/update');
    expect(after).toContain('repos/update-commit-comment');
    expect(h.checkRun(checkRunId).conclusion).toBe('success');
    // Nothing it owes GitHub is left but its token's revocation at the TTL.
    const owed = await h.runtime.service.ledger.outstanding(body.id);
    expect(owed.map((e) => e.kind)).toEqual(['revoke']);
  });
});
