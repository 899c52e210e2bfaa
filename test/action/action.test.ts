import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompositeRun } from '../actions-runner/composite-runner.ts';
import { AppHarness, checkRunOf } from '../app/harness.ts';
import { asOneLine, elements, linkifies, renderGfm, textOf } from '../helpers/gfm.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read }, ttl: 15m }
`;

let h: AppHarness;
let runId = 500;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

/** The real action.yml, run as a job step would run it, against the app. */
async function step(inputs: Record<string, string>, { oidc = true } = {}) {
  return h.actionStep(await h.step({ runId: ++runId }), inputs, { oidc });
}

async function requestOf(run: CompositeRun): Promise<string> {
  const line = await run.waitForLine(/Approve or deny at .*\/runs\/(\d+)\./);
  const checkRunId = Number(/\/runs\/(\d+)\./.exec(line)![1]);
  return h.repo.checkRuns.find((r) => r.id === checkRunId)!.external_id!;
}

describe('the jit-approvals action', () => {
  it('waits, shows who must approve, and resumes with a token that works within its permissions only', async () => {
    const run = await step({ action: 'deploy-web', reason: 'release 1.2' });
    const id = await requestOf(run);
    await h.click(await checkRunOf(h, id), 'alice');
    const result = await run.result;
    expect(result.conclusion).toBe('success');
    expect(result.outputs).toMatchObject({ status: 'approved', 'request-id': id, approvers: 'alice' });
    const token = result.outputs.token!;
    expect(token).toMatch(/^ghs_/);
    expect(await h.tokenReach(token, '.approvals/p.yml')).toEqual({ read: 200, beyond: 403 });
    const log = result.log.join('\n');
    expect(log).not.toContain(token);
    expect(log).toContain('Waiting for 1 approval(s): 1 from @alice (prod).');
    expect(log).toContain('Approved by alice: token with contents: read until');
    expect(result.summary).toContain('<td>approved</td>');
    expect(result.summary).toContain('contents: read');
    expect(result.summary).not.toContain(token);
  });

  it("shows a hostile job name in the step's summary as text: no heading, image, link or mention", async () => {
    const jobName =
      'deploy\n\n# Approved by @alice\n\n![x](https://evil.example/p.png) [docs](https://evil.example)\r\rwww.evil.example';
    const run = h.actionStep(await h.step({ runId: ++runId }, h.repo, { jobName }), {
      action: 'deploy-web',
    });
    await h.click(await checkRunOf(h, await requestOf(run)), 'alice');
    const result = await run.result;
    expect(result.outputs.status).toBe('approved');
    const html = renderGfm(result.summary);
    const { h3, table, tr, th, td, ...other } = elements(html);
    expect({ h3, table, other }).toEqual({ h3: 1, table: 1, other: {} });
    expect([tr, th]).toEqual([td, td]);
    expect(textOf(html)).toContain(asOneLine(jobName));
    expect(linkifies(textOf(html, { joiners: true }))).toBe(false);
  });

  it('fails with the reason when denied', async () => {
    const result = await (await step({ action: 'drop-database' })).result;
    expect(result.conclusion).toBe('failure');
    expect(result.outputs.status).toBe('denied');
    expect(result.log.join('\n')).toContain(
      '##[error]drop-database was denied: no policy covers action "drop-database"',
    );
  });

  it("fails when the step's timeout passes, cancelling its request", async () => {
    const run = await step({ action: 'deploy-web', timeout: '2s' });
    const id = await requestOf(run);
    const result = await run.result;
    expect(result.conclusion).toBe('failure');
    expect(result.outputs.status).toBe('timed_out');
    expect(result.log.join('\n')).toContain('timed out waiting for approval of "deploy-web"');
    await h.settled(id);
    expect((await h.runtime.store.getRequest(id))!.status).toBe('cancelled');
  });

  it('cancelled with SIGTERM, cancels its request and the check run', async () => {
    const run = await step({ action: 'deploy-web' });
    const id = await requestOf(run);
    run.cancel('SIGTERM');
    const result = await run.result;
    expect(result.conclusion).toBe('cancelled');
    await h.settled(id);
    expect((await h.runtime.store.getRequest(id))!.status).toBe('cancelled');
    expect(h.checkRun(await checkRunOf(h, id)).conclusion).toBe('cancelled');
  });

  it('survives the app restarting mid-wait', async () => {
    const run = await step({ action: 'deploy-web' });
    const id = await requestOf(run);
    const port = Number(new URL(h.url).port);
    await h.stopApp();
    await h.startApp(port);
    await h.click(await checkRunOf(h, id), 'alice');
    const result = await run.result;
    expect(result.outputs.status).toBe('approved');
    expect(result.conclusion).toBe('success');
  });

  it('names the permissions block to add when the job has no id-token permission', async () => {
    const result = await (await step({ action: 'deploy-web' }, { oidc: false })).result;
    expect(result.conclusion).toBe('failure');
    expect(result.log.join('\n')).toContain('id-token: write');
  });
});
