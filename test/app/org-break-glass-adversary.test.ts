// Adversarial tests of organization policies and break-glass (issue #17): a repository admin who
// wants to escape the organization's rules, a developer who wants to deploy during a freeze.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppHarness } from './harness.ts';

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
});

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('break-glass and the job gate', () => {
  it("an approval of the job's gate given before a freeze does not carry over to an emergency step inside it", async () => {
    // The freeze starts ten minutes from now; the gate's approval lasts thirty.
    const from = iso(Date.now() + 10 * 60_000);
    const until = iso(Date.now() + 24 * 3600_000);
    const policy = `version: 1
policies:
  - name: prod
    match: { action: [job-gate, "deploy-*"], environment: [production] }
    approvers: { users: [alice] }
    self_approval: true
    timeout: 30m
    freeze: [{ from: "${from}", until: "${until}", reason: Release freeze }]
    break_glass: { approvers: { users: [ivy] } }
`;
    h = await new AppHarness().start({ 'p.yml': policy });
    const run = h.sim.world.addRun(h.repo, { id: 9001, actor: 'dana' });
    await h.hooks.deploymentProtectionRuleRequested(h.repo, run, 'production');
    await h.click(h.repo.checkRuns[0]!.id, 'alice');
    await vi.waitFor(() => expect(h.repo.gateReviews).toMatchObject([{ state: 'approved' }]));
    // Fifteen minutes later the freeze holds: a plain step is denied...
    h.offsetMs = 15 * 60_000;
    const plain = await h.request(await h.step({ runId: 9001 }, h.repo, { jobKey: 'plain' }));
    expect(plain.body.status).toBe('denied');
    // ...and an emergency one must wait for the break-glass approver, not ride on alice's
    // pre-freeze approval of the gate (which would also skip the audit event, metric and issue).
    const step = await h.step({ runId: 9001 });
    const res = await h.request(step, { emergency: true, reason: 'INC-1: checkout down' });
    expect(res.body).toMatchObject({ status: 'pending', break_glass: true });
    await h.click(h.repo.checkRuns.at(-1)!.id, 'ivy');
    expect((await h.poll(step, res.body.id)).body.status).toBe('approved');
    const events = await h.runtime.store.auditOf(res.body.id);
    expect(events.filter((e) => e.type === 'break_glass')).toHaveLength(1);
  });
});

describe('break-glass and legs that join an approved request', () => {
  it('a leg joining during a freeze an emergency request approved before it gets no token without an override', async () => {
    const from = iso(Date.now() + 10 * 60_000);
    const until = iso(Date.now() + 24 * 3600_000);
    const policy = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob] }
    freeze: [{ from: "${from}", until: "${until}", reason: Release freeze }]
    break_glass: { approvers: { users: [alice] } }
`;
    h = await new AppHarness().start({ 'p.yml': policy });
    const eu = await h.step({ runId: 9300 }, h.repo, { jobName: 'deploy (eu)' });
    // Asked as an emergency before there is one: judged as any request, alice approves.
    const a = await h.request(eu, { emergency: true, reason: 'INC-7: just in case' });
    expect(a.body).toMatchObject({ status: 'pending', break_glass: false });
    await h.click(h.repo.checkRuns[0]!.id, 'alice');
    expect((await h.poll(eu, a.body.id)).body.status).toBe('approved');
    // The freeze begins; another leg of the job joins within the timeout. A plain request would
    // be denied; this one was never granted an override (no break_glass event, issue or metric),
    // so it must not get a token silently either.
    h.offsetMs = 15 * 60_000;
    const us = await h.step({ runId: 9300, sha: eu.job.sha }, h.repo, { jobName: 'deploy (us)' });
    const late = await h.request(us);
    expect(late.status).toBe(403);
    expect(late.body.error!.message).toContain('no longer approve it now');
  });
});

const FREEZE = '[{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z", reason: Holiday freeze }]';
const ORG_GLASS = `version: 1
policies:
  - name: holiday-freeze
    match: { environment: [production] }
    freeze: ${FREEZE}
    break_glass: { approvers: { users: [ivy], teams: [acme/incident] } }
`;
const REPO_DEPLOY = `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, dana] }
    self_approval: true
`;

async function startOrg(env: Record<string, string> = {}): Promise<AppHarness> {
  h = new AppHarness();
  h.env = env;
  await h.start({ 'repo.yml': REPO_DEPLOY }, { app: false });
  h.sim.world.addRepo('acme/.github', { files: { '.approvals/org.yml': ORG_GLASS } });
  for (const u of ['ivy', 'alice', 'rex']) h.sim.world.addUser(u);
  h.sim.world.addTeam('acme/incident', { active: ['dana', 'rex'] });
  await h.startApp();
  return h;
}

const EMERGENCY = { emergency: true, reason: 'INC-42: checkout is down' };

describe('who may grant an override', () => {
  it('neither the actor through a break-glass team nor whoever re-ran the run counts', async () => {
    await startOrg();
    const step = await h.step({ triggeringActor: 'ivy' });
    const res = await h.request(step, EMERGENCY);
    expect(res.body).toMatchObject({ status: 'pending', break_glass: true });
    const check = h.repo.checkRuns[0]!.id;
    await h.click(check, 'dana'); // the actor, a member of acme/incident
    await h.click(check, 'ivy'); // re-ran the run
    await h.click(check, 'alice'); // the repository's approver: not a break-glass approver
    const after = (await h.poll(step, res.body.id)).body;
    expect(after.status).toBe('pending');
    expect(after.decision.requirements.find((q) => q.policy === 'org:holiday-freeze')!.approved_by).toEqual(
      [],
    );
    await h.click(check, 'rex');
    expect((await h.poll(step, res.body.id)).body.status).toBe('approved');
    // Another leg of the job, during the same freeze: the override granted covers it.
    const leg = await h.step({ triggeringActor: 'ivy', sha: step.job.sha }, h.repo, {
      jobName: 'deploy (us)',
    });
    const joined = await h.request(leg, EMERGENCY);
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({ id: res.body.id, status: 'approved', break_glass: true });
  });

  it("the break_glass audit event and the review issue name who granted the override, not the repository's approvers", async () => {
    await startOrg();
    const step = await h.step({ actor: 'sam', actorId: h.sim.world.addUser('sam').id });
    const res = await h.request(step, EMERGENCY);
    const check = h.repo.checkRuns[0]!.id;
    await h.click(check, 'alice'); // the repository's own requirement
    await h.click(check, 'ivy'); // the override
    expect((await h.poll(step, res.body.id)).body.status).toBe('approved');
    const [glass] = (await h.runtime.store.auditOf(res.body.id)).filter((e) => e.type === 'break_glass');
    expect(glass!.data.granted_by).toEqual(['ivy']);
    expect(h.checkRun(check).output.summary!.replaceAll('\u2060', '')).toContain('granted by @ivy;');
    const [issue] = [...h.repo.issues.values()].filter((i) => i.labels.includes('break-glass'));
    expect(issue!.body.replaceAll('\u2060', '')).toContain('Granted by: ivy\n');
  });
});

describe('the reason of an emergency request', () => {
  it('an invisible reason (zero-width characters only) is refused like a blank one', async () => {
    await startOrg();
    for (const reason of ['\u200b', '\u2060\u200b', '\u3164', '\u00ad']) {
      const res = await h.request(await h.step({ runId: 9400 + reason.length + reason.charCodeAt(0) }), {
        emergency: true,
        reason,
      });
      expect(res.status, JSON.stringify(reason)).toBe(400);
      expect(res.body.error!.message).toContain('needs a reason');
    }
  });
});

describe('the loud trail', () => {
  // The review issue is due from the save of the decision (an outbox effect) until GitHub takes it:
  // a failed try is tried again after its backoff, as a gate's answer is.
  it('the break-glass review issue is opened even when GitHub fails the first try', async () => {
    await startOrg();
    const step = await h.step({ actor: 'sam', actorId: h.sim.world.addUser('sam').id });
    const res = await h.request(step, EMERGENCY);
    const check = h.repo.checkRuns[0]!.id;
    await h.click(check, 'alice');
    h.sim.inject('issues/create', 502, 2);
    await h.click(check, 'ivy');
    expect((await h.poll(step, res.body.id)).body.status).toBe('approved');
    await h.runtime.service.sweep().catch(() => undefined);
    await h.runtime.service.sweep().catch(() => undefined);
    await vi.waitFor(
      () =>
        expect([...h.repo.issues.values()].filter((i) => i.labels.includes('break-glass'))).toHaveLength(1),
      { timeout: 6_000 },
    );
  });
});

describe('reading the organization policies fails closed', () => {
  it('GitHub failing the read of acme/.github (rate limit, 502) never lets through what the org denies', async () => {
    h = new AppHarness();
    h.env = { POLICY_CACHE_SECONDS: '600' };
    await h.start(
      { 'repo.yml': REPO_DEPLOY.replace('self_approval: true', 'auto_approve: [{}]') },
      { app: false },
    );
    const org = h.sim.world.addRepo('acme/.github', {
      files: { '.approvals/org.yml': 'version: 1\npolicies:\n  - name: none\n    match: { action: [x] }\n' },
    });
    await h.startApp();
    expect((await h.request(await h.step({ runId: 9500 }))).body.status).toBe('approved');
    // The org freezes everything; the push drops the cached org set (and only it).
    const before = org.branches.get('main')!;
    const after = h.sim.world.commit(org, 'main', { '.approvals/org.yml': ORG_GLASS });
    await h.hooks.push(org, {
      ref: 'refs/heads/main',
      before,
      after,
      changed: ['.approvals/org.yml'],
      pusher: h.sim.world.addUser('sam'),
    });
    const faults = [
      ['repos/get', 'rate-limit'],
      ['repos/get-content', 502],
    ] as const;
    for (const [operation, fault] of faults) {
      h.sim.inject(operation, fault, 1);
      const res = await h.request(await h.step({ runId: 9501 }, h.repo, { jobKey: `k${fault}` }));
      expect(res.body.error?.code, `${operation} ${fault}`).toBe('unavailable');
    }
    const res = await h.request(await h.step({ runId: 9502 }));
    expect(res.body).toMatchObject({
      status: 'denied',
      decision: { policies: ['org:holiday-freeze', 'deploy'] },
    });
  });
});
