// Matrix legs through the real action.yml, and a step log that untrusted text cannot take over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompositeRun } from '../actions-runner/composite-runner.ts';
import { AppHarness, checkRunOf } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read }, ttl: 15m }
`;

let h: AppHarness;
let runId = 7000;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

/** A leg of the `deploy` matrix job of run `run`, shown as `deploy (<region>)`, running the action. */
async function leg(run: number, region: string, index: number, inputs: Record<string, string> = {}) {
  const step = await h.step({ runId: run }, h.repo, { jobName: `deploy (${region})` });
  const job = h.actionStep(
    step,
    { action: 'deploy-web', reason: `deploy ${region}`, ...inputs },
    { strategy: { 'job-index': index, 'job-total': 3 } },
  );
  return { step, job };
}

async function requestIdOf(job: CompositeRun): Promise<string> {
  const line = await job.waitForLine(/Approve or deny at .*\/runs\/(\d+)\./);
  const checkRunId = Number(/\/runs\/(\d+)\./.exec(line)![1]);
  return h.repo.checkRuns.find((r) => r.id === checkRunId)!.external_id!;
}

describe('a matrix job', () => {
  it('its legs share one approval; each leg gets its own token; a leg that asks later needs no new vote', async () => {
    const run = ++runId;
    const eu = await leg(run, 'eu', 0);
    const us = await leg(run, 'us', 1);
    const [a, b] = await Promise.all([requestIdOf(eu.job), requestIdOf(us.job)]);
    expect(a).toBe(b);
    await h.settled(a);
    const checkRunId = await checkRunOf(h, a);
    expect(h.repo.checkRuns.filter((c) => c.external_id === a)).toHaveLength(1);
    const summary = h.checkRun(checkRunId).output.summary!;
    expect(summary).toContain('Jobs (2)');
    expect(summary).toContain(
      `[deploy (eu)](https://github.com/acme/shop/actions/runs/${run}/job/${eu.step.simJob.id})`,
    );
    expect(summary).toContain('deploy (us)');

    await h.click(checkRunId, 'alice');
    const [euDone, usDone] = await Promise.all([eu.job.result, us.job.result]);
    for (const done of [euDone, usDone]) {
      expect(done.conclusion).toBe('success');
      expect(done.outputs.status).toBe('approved');
      expect(await h.tokenReach(done.outputs.token!, '.approvals/p.yml')).toEqual({ read: 200, beyond: 403 });
    }
    expect(euDone.outputs.token).not.toBe(usDone.outputs.token);

    const late = await leg(run, 'ap', 2);
    const lateDone = await late.job.result;
    expect(lateDone.outputs.status).toBe('approved');
    expect(lateDone.outputs.token).toMatch(/^ghs_/);
    const r = (await h.runtime.store.getRequest(a))!;
    // The first two legs asked at the same moment, in either order; the late one last.
    expect(
      r.legs
        .map((l) => l.name)
        .slice(0, 2)
        .sort(),
    ).toEqual(['deploy (eu)', 'deploy (us)']);
    expect(r.legs[2]!.name).toBe('deploy (ap)');
    expect(new Set(r.legs.map((l) => l.token!.hash)).size).toBe(3);
    const events = (await h.runtime.store.auditEvents()).filter((e) => e.requestId === a);
    expect(events.filter((e) => e.type === 'token_granted').map((e) => e.data.job_name)).toEqual(
      expect.arrayContaining(['deploy (eu)', 'deploy (us)', 'deploy (ap)']),
    );
    expect(events.filter((e) => e.type === 'vote')).toHaveLength(1);

    // Each leg's token ends with its own job.
    await h.jobCompleted(eu.step);
    await h.settled(a);
    expect((await h.tokenReach(euDone.outputs.token!, '.approvals/p.yml')).read).toBe(401);
    expect((await h.tokenReach(usDone.outputs.token!, '.approvals/p.yml')).read).toBe(200);
  });

  it('a job whose display name fits two jobs of the workflow asks alone: it never shares an approval', async () => {
    const run = ++runId;
    const release = await h.step({ runId: run }, h.repo, { jobKey: 'release', jobName: 'Release web' });
    const lookalike = await h.step({ runId: run }, h.repo, { jobKey: 'release', jobName: 'Release smoke' });
    const a = await h.request(release);
    const b = await h.request(lookalike);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    const events = (await h.runtime.store.auditEvents()).filter((e) => e.requestId === b.body.id);
    expect(events[0]!.data.not_shared).toBe('"Release smoke" fits the names of jobs "smoke", "release"');
    // A name that fits only another job is that job: refused.
    const build = await h.step({ runId: run }, h.repo, { jobKey: 'release', jobName: 'build' });
    expect((await h.request(build)).status).toBe(403);
  });
});

describe("the step's log", () => {
  it('a reason that holds workflow commands cannot stop the masking of the OIDC token or the installation token', async () => {
    const run = ++runId;
    const { job } = await leg(run, 'eu', 0, {
      reason: 'routine\n::stop-commands::pwned\n::add-mask::nothing\r::error::fake',
    });
    const id = await requestIdOf(job);
    await h.click(await checkRunOf(h, id), 'alice');
    const result = await job.result;
    expect(result.outputs.status).toBe('approved');
    const log = result.log.join('\n');
    expect(log).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // no OIDC ID token
    expect(log).not.toContain(result.outputs.token!);
    expect(log).not.toMatch(/^::/m); // no command was printed as text: none was stopped
    expect(log).not.toContain('##[error]fake');
    expect(log).toContain(
      '(reason: routine%0A::stop-commands::pwned%0A::add-mask::nothing%0D::error::fake).',
    );
    expect(result.masks.length).toBeGreaterThanOrEqual(2); // the ID tokens and the installation token
  });

  it('nor can the legacy ##[command] form, which the runner reads anywhere in a line', async () => {
    const run = ++runId;
    const { job } = await leg(run, 'eu', 0, { reason: 'Fix typo ##[stop-commands]pwn' });
    const id = await requestIdOf(job);
    await h.click(await checkRunOf(h, id), 'alice');
    const result = await job.result;
    expect(result.outputs.status).toBe('approved');
    const log = result.log.join('\n');
    expect(log).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(log).not.toContain(result.outputs.token!);
    expect(log).not.toMatch(/^::add-mask::/m);
  });
});
