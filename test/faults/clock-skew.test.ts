// The app's clock and the runner's disagree: the step waits as long as the request's policy
// allows, measured from the app's relative answer (expires_in_seconds), not from clock readings.
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
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('the app clock 20 minutes behind the runner', () => {
  it('the real action waits for the approval instead of timing out at once', async () => {
    h.offsetMs = -20 * 60_000;
    try {
      const run = h.actionStep(await h.step({ runId: 1 }), { action: 'deploy-web' });
      const line = await run.waitForLine(/Approve or deny at .*\/runs\/(\d+)\./);
      const id = h.repo.checkRuns.find(
        (r) => r.id === Number(/\/runs\/(\d+)\./.exec(line)![1]),
      )!.external_id!;
      // A step that misread its deadline would cancel here; this one holds a long-poll.
      await vi.waitFor(() => expect(h.runtime.service.deps.waiters.size).toBe(1), { timeout: 5_000 });
      await h.click(await checkRunOf(h, id), 'alice');
      const result = await run.result;
      expect(result.outputs.status).toBe('approved');
      expect(result.conclusion).toBe('success');
    } finally {
      h.offsetMs = 0;
    }
  });
});
