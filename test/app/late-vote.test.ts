import { afterAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    timeout: 10m
`;

const h = new AppHarness();
h.sweepEveryMs = 3_600_000; // no sweep between the timeout and the click below
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('a click after the timeout, before any sweep', () => {
  it('times the request out and is answered (it must not wait on its own lock)', async () => {
    await h.start({ 'p.yml': POLICY });
    const step = await h.step();
    const { body } = await h.request(step);
    const checkRunId = await checkRunOf(h, body.id);
    h.offsetMs = 11 * 60_000;
    const delivery = await h.click(checkRunId, 'alice');
    expect(delivery.status).toBe(200);
    expect((await h.poll(step, body.id)).body.status).toBe('timed_out');
    expect(await h.runtime.store.votes(body.id)).toEqual([]);
  }, 15_000);
});
