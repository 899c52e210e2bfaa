// Check runs that GitHub failed to update: the store remembers which view GitHub has, and the sweep
// sends the current one until they agree, so no check run is left asking for approval.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppHarness, checkRunOf } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    timeout: 10m
`;

const h = new AppHarness();
h.sweepEveryMs = 3_600_000; // the test sweeps when it says so
let runId = 0;
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

async function pending() {
  const step = await h.step({ runId: ++runId });
  const { body } = await h.request(step);
  return { step, id: body.id, checkRun: await checkRunOf(h, body.id) };
}

const updates = (since: number): number[] =>
  h.sim.calls
    .slice(since)
    .filter((c) => c.operation === 'checks/update')
    .map((c) => c.status);

async function sweepAt(aheadMs: number): Promise<void> {
  h.offsetMs = aheadMs;
  try {
    await h.runtime.service.sweep();
  } finally {
    h.offsetMs = 0;
  }
}

describe('a check-run update that GitHub answers 502', () => {
  it('after an approval: the click still counts, and the outbox shows the approval after its backoff', async () => {
    const { step, id, checkRun } = await pending();
    const since = h.sim.calls.length;
    h.sim.inject('checks/update', 502);
    expect((await h.click(checkRun, 'alice')).status).toBe(200);
    expect((await h.poll(step, id)).body.status).toBe('approved');
    expect(updates(since)[0]).toBe(502);

    await vi.waitFor(() => expect(h.checkRun(checkRun).conclusion).toBe('success'), { timeout: 5_000 });
    expect(h.checkRun(checkRun).output.title).toBe('Approved by alice: deploy-web');
    await h.runtime.service.sweep(); // in agreement now: nothing more is sent
    expect(updates(since)).toEqual([502, 200]);
  });

  it('after a timeout: a later sweep shows it, backing off while GitHub keeps failing', async () => {
    const { id, checkRun } = await pending();
    const since = h.sim.calls.length;
    h.sim.inject('checks/update', 502, 2);
    await sweepAt(11 * 60_000); // times the request out; its update fails
    expect((await h.runtime.store.getRequest(id))!.status).toBe('timed_out');
    await sweepAt(11 * 60_000 + 1_500); // after 1 s: the second try fails too
    await sweepAt(11 * 60_000 + 2_000); // too soon to try again (2 s now)
    expect(updates(since)).toEqual([502, 502]);
    expect(h.checkRun(checkRun).conclusion).toBe('action_required');

    await sweepAt(12 * 60_000);
    expect(h.checkRun(checkRun).conclusion).toBe('timed_out');
    expect(updates(since)).toEqual([502, 502, 200]);
  });
});
