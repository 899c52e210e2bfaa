// Attacks an adversarial review found against the step binding, each refused now.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legOf } from '../../app/github/workflow-jobs.ts';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob], teams: [acme/deployers] }
    token: { permissions: { contents: write }, ttl: 15m }
`;

const FROZEN = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob] }
    freeze: [{ from: "2000-01-01T00:00:00Z", until: "2999-01-01T00:00:00Z", reason: Incident freeze }]
    token: { permissions: { contents: read }, ttl: 5m }
`;

const NARROWER = POLICY.replace('{ contents: write }, ttl: 15m', '{ contents: read }, ttl: 5m');

let h: AppHarness;
let run = 7700;
beforeAll(async () => {
  h = new AppHarness();
  h.env = { REQUIRE_JOB_ID: 'false' };
  await h.start({ 'p.yml': POLICY });
  h.sim.world.addTeam('acme/deployers', { active: ['dana'] });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('job identity', () => {
  it('where the OIDC token names its job (check_run_id), a step cannot claim another job', async () => {
    const victim = await h.step({ runId: ++run }, h.repo, { jobName: 'deploy (eu)' });
    const attacker = await h.step({ runId: victim.job.runId }, h.repo, { jobKey: 'build' });
    const res = await h.request(
      attacker,
      { job: 'deploy', job_id: victim.simJob.id },
      { claims: { check_run_id: String(attacker.simJob.id) } },
    );
    expect(res.status).toBe(403);
    expect(res.body.error!.message).toContain(`its check_run_id claim is ${attacker.simJob.id}`);
    // The genuine step, whose token names its own job, may omit job_id: the claim is the job id.
    const ok = await h.request(
      victim,
      { job_id: undefined },
      { claims: { check_run_id: String(victim.simJob.id) } },
    );
    expect(ok.status).toBe(201);
    expect(ok.body.legs).toEqual([{ job_name: 'deploy (eu)', job_id: victim.simJob.id }]);
  });

  it('with REQUIRE_JOB_ID=false, a step without a job id never joins a verified request', async () => {
    const deploy = await h.step({ runId: ++run }, h.repo, { jobName: 'deploy' });
    const attacker = await h.step({ runId: deploy.job.runId }, h.repo, { jobKey: 'build' });
    const a = await h.request(deploy);
    await h.click(await checkRunOf(h, a.body.id), 'alice');
    const b = await h.request(attacker, { job: 'deploy', job_id: undefined });
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.status).toBe('pending'); // its own request, its own vote
    expect(b.body.job_name).toBe('deploy');
  });
});

describe('approvals that no longer hold', () => {
  it('a leg asking after the policies froze gets no token; one asking after the timeout neither', async () => {
    const runId = ++run;
    const eu = await h.step({ runId }, h.repo, { jobName: 'deploy (eu)' });
    const a = await h.request(eu);
    await h.click(await checkRunOf(h, a.body.id), 'alice');
    expect((await h.poll(eu, a.body.id, 5)).body.token!.permissions).toEqual({ contents: 'write' });

    h.sim.world.commit(h.repo, 'main', { '.approvals/p.yml': FROZEN });
    const us = await h.step({ runId, sha: eu.job.sha }, h.repo, { jobName: 'deploy (us)' });
    const frozen = await h.request(us);
    expect(frozen.status).toBe(403);
    expect(frozen.body.error!.message).toContain('no longer approve it now');

    h.sim.world.commit(h.repo, 'main', { '.approvals/p.yml': NARROWER });
    const ap = await h.step({ runId, sha: eu.job.sha }, h.repo, { jobName: 'deploy (ap)' });
    const narrowed = await h.request(ap);
    expect(narrowed.status).toBe(201);
    expect(narrowed.body.token!.permissions).toEqual({ contents: 'read' });

    h.offsetMs = 2 * 3600_000; // past the request's timeout (1h)
    try {
      const late = await h.step({ runId, sha: eu.job.sha }, h.repo, { jobName: 'deploy (sa)' });
      const res = await h.request(late);
      expect(res.status).toBe(403);
      expect(res.body.error!.message).toContain('steps that ask after its timeout');
    } finally {
      h.offsetMs = 0;
      h.sim.world.commit(h.repo, 'main', { '.approvals/p.yml': POLICY });
    }
  });
});

describe('self-approval', () => {
  it('the actor cannot approve after renaming the account: votes are the account, not the login', async () => {
    const dana = h.sim.world.user('dana')!;
    const step = await h.step({ runId: ++run, actor: 'dana', actorId: dana.id });
    const { body } = await h.request(step);
    const checkRunId = await checkRunOf(h, body.id);
    const { world } = h.sim;
    world.users.delete('dana');
    const renamed = { ...dana, login: 'dana-2' };
    world.users.set('dana-2', renamed);
    const team = world.teams.get('acme/deployers')!;
    team.members.set('dana-2', team.members.get('dana')!);
    await h.hooks.checkRunRequestedAction(h.repo, h.checkRun(checkRunId), 'approve', renamed);
    await h.settled(body.id);
    await h.runtime.service.ignored.flushAll();
    const r = (await h.runtime.store.getRequest(body.id))!;
    expect(r.status).toBe('pending');
    expect(r.ignoredVotes.at(-1)).toMatchObject({
      reason: expect.stringContaining('started or re-ran the run'),
    });
    world.users.set('dana', dana);
  });
});

describe('the workflow file', () => {
  it('a job name that YAML reads as a number or boolean is that text, not the job key', () => {
    const yaml =
      'jobs:\n  release:\n    name: ${{ matrix.x }}\n  build:\n    name: 2.10\n  check:\n    name: true\n';
    expect(legOf(yaml, 'release', '2.1')).toMatchObject({ verdict: 'unknown' });
    expect(legOf(yaml, 'release', 'true')).toMatchObject({ verdict: 'unknown' });
    expect(legOf(yaml, 'build', '2.1')).toEqual({
      verdict: 'unknown',
      why: '"2.1" fits the names of jobs "release", "build"',
    });
  });
});
