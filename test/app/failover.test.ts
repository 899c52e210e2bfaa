import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../app/audit/chain.ts';
import { PgStore } from '../../app/store/pg-store.ts';
import type { CompositeRun } from '../actions-runner/composite-runner.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { AppHarness } from './harness.ts';
import { roundRobinProxy } from './proxy.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob] }
    required: 2
    token: { permissions: { contents: read }, ttl: 15m }
  - name: quick
    match: { action: ["quick-*"] }
    approvers: { users: [alice] }
    timeout: 2s
`;

const h = new AppHarness();
h.database = { url: TEST_DATABASE_URL, schema: `t_${randomBytes(6).toString('hex')}` };
let proxy: Awaited<ReturnType<typeof roundRobinProxy>> | undefined;
afterAll(async () => {
  await new Promise((r) => (proxy ? proxy.server.close(r) : r(undefined)));
  await h.stop();
  h.sim.assertNoViolations();
});

async function job(action: string, runId: number, appUrl: string): Promise<CompositeRun> {
  return h.actionStep(await h.step({ runId }), { action }, { appUrl });
}

describe('two app processes behind a round-robin proxy', () => {
  it('one killed with SIGKILL mid-wait: the step retries through the proxy, reaches the other, and gets its token; nothing is duplicated', async () => {
    await h.start({ 'p.yml': POLICY }, { app: false });
    const a = await h.startAppProcess();
    const urlA = h.url;
    const b = await h.startAppProcess();
    const urlB = h.url;
    proxy = await roundRobinProxy([urlA, urlB]);
    h.url = proxy.url; // GitHub's webhooks go through the proxy too

    const quick = await job('quick-fix', 2, proxy.url);
    const deploy = await job('deploy-web', 1, proxy.url);
    const line = await deploy.waitForLine(/\/runs\/(\d+)\./);
    const checkRunId = Number(/\/runs\/(\d+)\./.exec(line)![1]);
    expect((await quick.result).outputs.status).toBe('timed_out'); // both instances sweep; one records it

    // Kill the instance that holds the step's long-poll.
    const holder = [...proxy.longPolls].find(([, n]) => n > 0)?.[0];
    expect(holder).toBeDefined();
    await h.killAppProcess(holder === urlA ? a : b);
    await h.click(checkRunId, 'alice');
    await h.click(checkRunId, 'bob');
    const result = await deploy.result;
    expect(result.outputs.status).toBe('approved');
    expect(result.outputs.token).toMatch(/^ghs_/);
    expect(result.log.join('\n')).toMatch(/could not reach .*; retrying in \d+s/);

    await h.stopApp();
    const store = await PgStore.open(h.database!.url, h.database!.schema);
    try {
      const events = await store.auditEvents();
      expect(verifyChain(events)).toMatchObject({ ok: true });
      const count = (type: string) => events.filter((e) => e.type === type).length;
      expect(count('request')).toBe(2);
      expect(count('decision')).toBe(2); // one timed out, one approved: each once
      expect(count('vote')).toBe(2);
      expect(count('token_granted')).toBe(1);
      expect(h.repo.checkRuns.filter((r) => r.name === 'approval: deploy-web')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
