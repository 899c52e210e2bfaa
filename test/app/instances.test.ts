import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../app/audit/chain.ts';
import { PgStore } from '../../app/store/pg-store.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { WebhookSender } from '../github-sim/webhooks.ts';
import { AppHarness, WEBHOOK_SECRET } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob] }
    required: 2
    token: { permissions: { contents: read }, ttl: 15m }
`;

const h = new AppHarness();
h.database = { url: TEST_DATABASE_URL, schema: `t_${randomBytes(6).toString('hex')}` };
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('two app instances on one PostgreSQL database', () => {
  it('a long-poll held by instance A wakes when B decides; votes at A and B at once both count, once', async () => {
    await h.start({ 'p.yml': POLICY }); // instance A, in this process
    const a = h.url;
    await h.startAppProcess(); // instance B, its own process
    const b = h.url;

    h.url = a;
    const step = await h.step();
    const { body } = await h.request(step);
    const waiting = h.poll(step, body.id, 30);
    h.url = b; // GitHub delivers the clicks to B
    const store = await PgStore.open(h.database!.url, h.database!.schema);
    try {
      const checkRunId = (await store.getRequest(body.id))!.checkRunId!;
      // The two clicks reach different instances at the same moment.
      const toA = new WebhookSender(h.sim, () => ({
        url: `${a}/api/github/webhooks`,
        secret: WEBHOOK_SECRET,
      }));
      const alice = toA.checkRunRequestedAction(
        h.repo,
        h.checkRun(checkRunId),
        'approve',
        h.sim.world.addUser('alice'),
      );
      await Promise.all([alice, h.click(checkRunId, 'bob')]);
      // The long-poll answers on the first change (one vote); the step polls again until decided.
      let done = await waiting;
      while (done.body.status === 'pending') done = await h.poll(step, body.id, 30);
      expect(done.body.status).toBe('approved');
      expect([...done.body.approvers].sort()).toEqual(['alice', 'bob']);
      expect(await h.decrypt(step, done.body.token!.jwe)).toMatch(/^ghs_/);

      expect(h.repo.checkRuns.filter((r) => r.external_id === body.id)).toHaveLength(1);
      expect((await store.votes(body.id)).map((v) => v.voterLogin).sort()).toEqual(['alice', 'bob']);
      const events = await store.auditEvents();
      expect(verifyChain(events)).toMatchObject({ ok: true });
      expect(
        events.filter((e) => e.type === 'decision' || e.type === 'token_granted').map((e) => e.type),
      ).toEqual(['decision', 'token_granted']);
    } finally {
      await store.close();
    }
  });
});
