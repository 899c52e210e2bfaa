// Adversary (faults): an effect given up after its tries forgets that an earlier try's outcome is
// unknown. GitHub made the check run and its answer was lost; every later try, which looks for it
// by external_id first, failed (GitHub answering 5xx for the hour and a half of backing off); the
// effect is marked failed. The approver clicks the check run GitHub made (found by its external_id,
// so the vote counts), and the decision wants the check run again: the coalescing insert makes the
// failed effect due with `attempts = 0`, so its next try (attempts 1) does not look first and makes
// a second check run. The first one is never saved nor updated: it is left asking. Fails today.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    timeout: 24h
`;
const WAIT = { timeout: 20_000, interval: 50 };

const h = new AppHarness();
h.env = { GITHUB_WRITES_PER_MINUTE: '0', GITHUB_TIMEOUT_MS: '1000' };
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  h.sim.world.addUser('alice');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('an effect given up after GitHub acted on its first try', () => {
  it('a check run whose create was withheld and whose look-ups then failed is not made twice', async () => {
    h.sim.inject('checks/create', 'withhold');
    const made = h.sim.nextHang('checks/create');
    // Every look-up for the check run fails for as long as the effect is tried.
    h.sim.inject('checks/list-for-ref', 502, 100);
    const step = await h.step({ runId: 1 });
    const { body } = await h.request(step);
    await made;
    const checkRuns = () => h.repo.checkRuns.filter((c) => c.external_id === body.id);
    expect(checkRuns()).toHaveLength(1);
    const effect = async () =>
      (await h.runtime.service.ledger.outstanding(body.id)).find((e) => e.kind === 'check_run');
    // The backoff runs its course (about 1.5 h on the app's clock): the effect is given up.
    await vi.waitFor(
      async () => {
        h.offsetMs += 301_000;
        await h.runtime.service.worker.pass();
        expect(await effect()).toBeUndefined();
      },
      { timeout: 60_000, interval: 20 },
    );
    expect((await h.runtime.store.getRequest(body.id))!.checkRunId).toBeNull();
    // Tries 2 to 20 each looked first, and GitHub failed each look-up.
    const lookups = h.sim.calls.filter((c) => c.operation === 'checks/list-for-ref');
    expect(lookups.map((c) => c.status)).toEqual(Array<number>(19).fill(502));
    h.sim.faults.clear(); // GitHub is well again
    // The approver clicks the one check run there is: found by its external_id, the vote counts.
    expect((await h.click(checkRuns()[0]!.id, 'alice')).status).toBe(200);
    await vi.waitFor(async () => {
      expect((await h.runtime.store.getRequest(body.id))!.status).toBe('approved');
      expect(await effect()).toBeUndefined();
    }, WAIT);
    await h.runtime.service.drain(['check_run']);
    // One check run, showing the outcome; today a second is made and the first stays asking.
    expect(checkRuns().map((c) => c.conclusion)).toEqual(['success']);
  }, 90_000);
});
