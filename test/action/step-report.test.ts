import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompositeRun } from '../actions-runner/composite-runner.ts';
import { AppHarness } from '../app/harness.ts';

// dana starts the runs (the harness's actor); two of alice, bob and dana must approve.
const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob, dana] }
    required: 2
    token: { permissions: { contents: read }, ttl: 15m }
  - name: quick
    match: { action: ["ship-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read }, ttl: 15m }
`;

let h: AppHarness;
let runId = 900;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

async function step(inputs: Record<string, string>, opts: { appUrl?: string } = {}) {
  return h.actionStep(await h.step({ runId: ++runId }), inputs, opts);
}

async function checkRunIdOf(run: CompositeRun): Promise<number> {
  const line = await run.waitForLine(/Approve or deny at .*\/runs\/(\d+)\./);
  return Number(/\/runs\/(\d+)\./.exec(line)![1]);
}

describe("the step's log and outputs", () => {
  it('prints each vote and ignored click as it happens, and names only who can still decide', async () => {
    const run = await step({ action: 'deploy-web' });
    const id = await checkRunIdOf(run);
    expect(await run.waitForLine(/Waiting for 2 approval/)).toContain('2 from @alice, @bob (prod)');
    await h.click(id, 'alice');
    await run.waitForLine(/alice approved/);
    expect(await run.waitForLine(/Waiting for 1 approval/)).toContain('1 from @bob (prod)');
    await h.click(id, 'mallory');
    await run.waitForLine(/mallory's vote was ignored/);
    await h.click(id, 'bob');
    const result = await run.result;
    expect(result.outputs).toMatchObject({
      status: 'approved',
      approvers: 'alice,bob',
      'denied-by': '',
      'check-run-url': expect.stringMatching(/\/acme\/shop\/runs\/\d+$/),
      reason: expect.stringContaining('2 of 2 approvals'),
    });
  });

  it('sets denied-by and reason when denied', async () => {
    const run = await step({ action: 'deploy-web' });
    await h.click(await checkRunIdOf(run), 'bob', 'deny');
    const result = await run.result;
    expect(result.conclusion).toBe('failure');
    expect(result.outputs).toMatchObject({ status: 'denied', 'denied-by': 'bob' });
    expect(result.outputs.reason).toMatch(/^denied by bob/);
  });

  it('says so when the token is narrower than the step asked for, and fails with fail-on-narrower', async () => {
    const asked = { action: 'ship-web', permissions: 'contents: write' };
    const run = await step(asked);
    await h.click(await checkRunIdOf(run), 'alice');
    const result = await run.result;
    expect(result.conclusion).toBe('success');
    const narrower = 'the token is narrower than asked: contents: write asked, contents: read granted';
    expect(result.log.join('\n')).toContain(narrower);
    expect(result.summary).toContain(narrower);

    const strict = await step({ ...asked, 'fail-on-narrower': 'true' });
    await h.click(await checkRunIdOf(strict), 'alice');
    const failed = await strict.result;
    expect(failed.conclusion).toBe('failure');
    expect(failed.outputs.token ?? '').toBe('');
    expect(failed.log.join('\n')).toContain(`##[error]${narrower}`);
  });

  it('a mistyped app-url fails in seconds, naming the URL', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const appUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r)); // nothing listens there now
    const started = Date.now();
    const result = await (await step({ action: 'deploy-web' }, { appUrl })).result;
    expect(result.conclusion).toBe('failure');
    expect(result.log.join('\n')).toContain(`could not reach app-url ${appUrl} (connect ECONNREFUSED`);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
