// Reminders: once per interval, across instances on one PostgreSQL database.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../app/index.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob] }
    required: 2
    timeout: 1h
    notify: { remind_every: 1m }
`;

const h = new AppHarness();
h.database = { url: TEST_DATABASE_URL, schema: `t_${randomBytes(6).toString('hex')}` };
h.env = { GITHUB_WRITES_PER_MINUTE: '0' };
let other: Runtime;
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  other = await h.instance();
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

/** Both instances look for due reminders at the same moment, `aheadMs` from now on the app's clock. */
async function bothAt(aheadMs: number): Promise<void> {
  h.offsetMs = aheadMs;
  try {
    await Promise.all([h.runtime.service.remind(), other.service.remind()]);
  } finally {
    h.offsetMs = 0;
  }
}

describe('reminders', () => {
  it('fire once per interval with two instances, and mention only who has not voted', async () => {
    const sha = h.sim.world.commit(h.repo, 'main', { 'r.txt': 'x' });
    const step = await h.step({ runId: 1, sha });
    const { body } = await h.request(step);
    const reminders = () =>
      h.repo.commitComments.filter((c) => c.commitId === sha && c.body.startsWith('**Reminder**'));
    await bothAt(30_000);
    expect(reminders()).toHaveLength(0);
    await bothAt(61_000);
    expect(reminders()).toHaveLength(1);
    await bothAt(61_000);
    await bothAt(100_000);
    expect(reminders()).toHaveLength(1); // less than a minute since the last one
    await h.click(await checkRunOf(h, body.id), 'alice');
    await bothAt(125_000);
    expect(reminders()).toHaveLength(2);
    expect(reminders()[1]!.body).toContain('@bob');
    expect(reminders()[1]!.body).not.toContain('@alice');
    const audit = (await h.runtime.store.auditEvents()).filter(
      (e) => e.requestId === body.id && e.type === 'reminder',
    );
    expect(audit).toHaveLength(2);
  });
});
