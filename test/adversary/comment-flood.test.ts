// Adversary (adv22): what one stranger's comment commands cost. Anyone may comment on a public
// repository's commits and pull requests; a command that cannot count must not cost a row, an audit
// event or a GitHub write each, without a bound per sender (the approval page is held to "no row and
// no audit event"; comments are the same vote path).
import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness } from '../app/harness.ts';
import { rowCounts } from '../web/http-page.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
});

/** How many comment commands the stranger writes. */
const FLOOD = 60;
/** What one sender may cost at most, the bound the app keeps for its answers (10 per 10 minutes). */
const PER_SENDER = 10;

describe('a stranger flooding /approve at a waiting request', () => {
  it('costs a bounded number of rows and audit events, not one each', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    h.repo.private = false;
    const step = await h.step({ runId: 22_200 });
    const { body } = await h.request(step);
    expect(body.status).toBe('pending');
    const mallory = h.sim.world.addUser('mallory');
    const rows = rowCounts(h);
    const events = (await h.runtime.store.auditEvents()).length;
    for (let i = 0; i < FLOOD; i++)
      await h.hooks.commitComment(h.repo, step.job.sha, mallory, `/approve deploy-web please ${i}`);
    await h.runtime.service.ignored.flushAll();
    await h.runtime.service.replies.idle();
    const ignoredEvents = (await h.runtime.store.auditEvents()).length - events;
    const after = rowCounts(h);
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('pending');
    expect(ignoredEvents, 'audit events written for one stranger').toBeLessThanOrEqual(PER_SENDER);
    expect(
      (after.deliveries ?? 0) - (rows.deliveries ?? 0),
      'delivery rows kept for one stranger',
    ).toBeLessThanOrEqual(PER_SENDER);
  });
});
