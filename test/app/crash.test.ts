import { Octokit } from '@octokit/rest';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../app/store/sqlite-store.ts';
import { verifyChain } from '../../app/audit/chain.ts';
import { AppHarness, freePort } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    timeout: 30m
    token: { permissions: { contents: read }, ttl: 15m }
  - name: quick
    match: { action: ["quick-*"] }
    approvers: { users: [alice] }
    timeout: 3s
  - name: short-lived
    match: { action: ["brief-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read }, ttl: 3s }
`;

const h = new AppHarness();
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

/** The check run of a request, read from the app's store file (the app is another process, and owns it). */
async function checkRunId(requestId: string): Promise<number> {
  const store = new SqliteStore(h.dataDir, { readOnly: true });
  try {
    return (await store.getRequest(requestId))!.checkRunId!;
  } finally {
    await store.close();
  }
}

describe('the app process killed with SIGKILL', () => {
  it('loses nothing: approvals still resume waiting steps, and timeouts and revocations still fire', async () => {
    await h.start({ 'p.yml': POLICY }, { app: false }); // the app runs as its own process only
    const port = await freePort();
    await h.startAppProcess(port);
    const deploy = await h.step({ runId: 1 });
    const quick = await h.step({ runId: 2 });
    const brief = await h.step({ runId: 3 });
    const a = (await h.request(deploy)).body;
    const q = (await h.request(quick, { action: 'quick-fix' })).body;
    const b = (await h.request(brief, { action: 'brief-task' })).body;
    await h.click(await checkRunId(b.id), 'alice');
    const briefToken = await h.decrypt(brief, (await h.poll(brief, b.id)).body.token!.jwe);

    await h.killAppProcess();
    await h.startAppProcess(port);

    const waiting = h.poll(deploy, a.id, 30);
    await h.click(await checkRunId(a.id), 'alice');
    const approved = await waiting;
    expect(approved.body.status).toBe('approved');
    expect(await h.decrypt(deploy, approved.body.token!.jwe)).toMatch(/^ghs_/);

    expect((await h.poll(quick, q.id, 30)).body.status).toBe('timed_out');

    const revoked = h.sim.calls.some((c) => c.operation === 'apps/revoke-installation-access-token')
      ? undefined
      : h.sim.nextCall('apps/revoke-installation-access-token');
    await revoked;
    await expect(
      new Octokit({ baseUrl: h.sim.url, auth: briefToken, request: { retries: 0 } }).repos.get({
        owner: 'acme',
        repo: 'shop',
      }),
    ).rejects.toMatchObject({ status: 401 });

    await h.killAppProcess();
    const store = new SqliteStore(h.dataDir);
    try {
      const events = await store.auditEvents();
      expect(verifyChain(events)).toMatchObject({ ok: true });
      expect(events.filter((e) => e.type === 'token_revoked').map((e) => e.requestId)).toEqual([b.id]);
      expect(events.filter((e) => e.type === 'request')).toHaveLength(3);
    } finally {
      await store.close();
    }
    expect(h.logs.join('')).not.toContain(briefToken);
  });
});
