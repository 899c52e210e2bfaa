import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf, type Step } from './harness.ts';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const closedDay = DAYS[(new Date().getUTCDay() + 3) % 7]!;

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"], environment: [production] }
    approvers: { users: [alice], teams: [acme/sre] }
    required: 2
    timeout: 30m
    token: { permissions: { contents: read }, ttl: 15m }
  - name: routine
    match: { action: [publish-docs] }
    auto_approve: [{}]
    token: { permissions: { contents: read }, ttl: 10m }
  - name: self-ok
    match: { action: ["rotate-*"] }
    approvers: { users: [dana] }
    self_approval: true
  - name: frozen
    match: { action: ["release-*"] }
    approvers: { users: [alice] }
    freeze: [{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z", reason: Long freeze }]
  - name: windowed
    match: { action: ["night-*"] }
    approvers: { users: [alice] }
    windows: [{ days: [${closedDay}], hours: "00:00-24:00", timezone: UTC }]
`;

let h: AppHarness;
let run = 100;
beforeAll(async () => {
  h = await new AppHarness().start({ 'policies.yml': POLICY });
  h.sim.world.addTeam('acme/sre', { active: ['sam', 'sky'], pending: ['pat'] });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

const useToken = (token: string) =>
  new Octokit({ baseUrl: h.sim.url, auth: token, request: { retries: 0 } }).repos.get({
    owner: 'acme',
    repo: 'shop',
  });

describe('decisions made at once', () => {
  it('auto-approved: the token comes in the first answer, with a completed check run and an audit record', async () => {
    const step = await h.step({ runId: ++run });
    const res = await h.request(step, { action: 'publish-docs' });
    expect(res.body).toMatchObject({
      status: 'approved',
      decision: { auto: true },
      token: { permissions: { contents: 'read' } },
    });
    expect(h.checkRun(await checkRunOf(h, res.body.id))).toMatchObject({
      conclusion: 'success',
      actions: [],
    });
    expect((await useToken(await h.decrypt(step, res.body.token!.jwe))).status).toBe(200);
    const types = (await h.runtime.store.auditEvents())
      .filter((e) => e.requestId === res.body.id)
      .map((e) => e.type);
    expect(types).toEqual(['request', 'decision', 'token_granted']);
  });

  it.each([
    ['no governing policy', { action: 'drop-database' }, 'no policy covers action "drop-database"'],
    ['a freeze', { action: 'release-app' }, 'inside freeze Long freeze'],
    ['outside every window', { action: 'night-batch' }, 'outside its windows'],
    [
      'no reason where... none required but action unknown in environment',
      { action: 'deploy-web', environment: undefined },
      'no policy covers',
    ],
  ])('denied for %s, with the reason, and a failed check run', async (_, body, reason) => {
    const over = 'environment' in body ? { runId: ++run, environment: undefined } : { runId: ++run };
    const step = await h.step(over);
    const res = await h.request(step, { action: body.action });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('denied');
    expect(res.body.decision.reasons.map((r) => r.message).join('\n')).toContain(reason);
    expect(h.checkRun(await checkRunOf(h, res.body.id)).conclusion).toBe('failure');
  });
});

describe('decisions by reviewers', () => {
  it('a 2-of-3 quorum with a team: a user and an active team member approve', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const id = await checkRunOf(h, body.id);
    await h.click(id, 'alice');
    expect((await h.poll(step, body.id)).body.status).toBe('pending');
    await h.click(id, 'sam');
    const done = await h.poll(step, body.id, 10);
    expect(done.body).toMatchObject({ status: 'approved', approvers: ['alice', 'sam'] });
  });

  it('a pending team invitation does not make an approver', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const id = await checkRunOf(h, body.id);
    await h.click(id, 'pat');
    expect(await h.runtime.store.votes(body.id)).toEqual([]);
    expect(h.checkRun(id).output.text).toContain('@pat');
  });

  it('self-approval where the policy allows it', async () => {
    const step = await h.step({ runId: ++run, environment: undefined });
    const { body } = await h.request(step, { action: 'rotate-keys' });
    await h.click(await checkRunOf(h, body.id), 'dana');
    expect((await h.poll(step, body.id, 10)).body.status).toBe('approved');
  });

  it('a deny vote denies, and the check run says who denied', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const id = await checkRunOf(h, body.id);
    await h.click(id, 'alice');
    await h.click(id, 'sky', 'deny');
    expect((await h.poll(step, body.id, 10)).body).toMatchObject({ status: 'denied', token: null });
    expect(h.checkRun(id)).toMatchObject({
      conclusion: 'failure',
      output: { title: 'Denied by sky: deploy-web' },
    });
    await h.click(id, 'sam');
    expect((await h.poll(step, body.id)).body.status).toBe('denied');
    expect(h.checkRun(id).output.text).toContain('the request is already denied');
  });

  it('times out: the waiting step wakes when the timeout passes', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const waiting = h.poll(step, body.id, 30);
    h.offsetMs = 31 * 60_000;
    try {
      expect((await waiting).body.status).toBe('timed_out');
      await h.settled(body.id);
      expect(h.checkRun(await checkRunOf(h, body.id)).conclusion).toBe('timed_out');
    } finally {
      h.offsetMs = 0;
    }
  });

  it('cancelled by the step: the check run is cancelled', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const res = await h.call(step, 'DELETE', `/api/v1/requests/${body.id}`);
    expect(res.body.status).toBe('cancelled');
    expect(h.checkRun(await checkRunOf(h, body.id)).conclusion).toBe('cancelled');
  });
});

describe('tokens', () => {
  async function approved(): Promise<{ token: string; id: string; step: Step }> {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const id = await checkRunOf(h, body.id);
    await h.click(id, 'alice');
    await h.click(id, 'sam');
    const done = await h.poll(step, body.id, 10);
    return { token: await h.decrypt(step, done.body.token!.jwe), id: body.id, step };
  }

  it('are revoked when their TTL passes', async () => {
    const { token, id } = await approved();
    expect((await useToken(token)).status).toBe(200);
    h.offsetMs = 16 * 60_000;
    try {
      await h.runtime.service.sweep();
    } finally {
      h.offsetMs = 0;
    }
    await expect(useToken(token)).rejects.toMatchObject({ status: 401 });
    expect((await h.runtime.store.auditEvents()).at(-1)).toMatchObject({
      type: 'token_revoked',
      requestId: id,
      data: { why: 'ttl' },
    });
  });

  it('are revoked when the job completes', async () => {
    const { token, id, step } = await approved();
    await h.jobCompleted(step);
    await expect(useToken(token)).rejects.toMatchObject({ status: 401 });
    expect((await h.runtime.store.getRequest(id))!.legs[0]!.token!.revokedAt).not.toBeNull();
  });
});

describe('pull requests and policies', () => {
  it('a pull_request run gets its check run on the head commit, not the merge commit', async () => {
    const pull = h.sim.world.openPull(h.repo, { head: 'feature', user: 'dana' });
    const step = await h.step({
      runId: ++run,
      event: 'pull_request',
      ref: `refs/pull/${pull.number}/merge`,
      sha: 'f'.repeat(40),
    });
    const { body } = await h.request(step);
    expect(h.checkRun(await checkRunOf(h, body.id)).head_sha).toBe(pull.headSha);
  });

  it('an invalid policy on the default branch denies every request with file:line, after the push', async () => {
    const before = h.repo.branches.get('main')!;
    const after = h.sim.world.commit(h.repo, 'main', {
      '.approvals/broken.yml': 'version: 1\npolicies:\n  - name: x\n    matchh: {}\n',
    });
    await h.hooks.push(h.repo, {
      ref: 'refs/heads/main',
      before,
      after,
      changed: ['.approvals/broken.yml'],
      pusher: h.sim.world.addUser('dana'),
    });
    try {
      const step = await h.step({ runId: ++run });
      const res = await h.request(step, { action: 'publish-docs' });
      expect(res.body.status).toBe('denied');
      expect(res.body.decision.reasons[0]!.message).toContain('.approvals/broken.yml:4:5');
      expect(
        (await h.runtime.store.auditEvents()).some(
          (e) => e.type === 'policy_error' && e.requestId === res.body.id,
        ),
      ).toBe(true);
      const check = h.repo.checkRuns.find((c) => c.name === 'policy check' && c.head_sha === after)!;
      expect(check).toMatchObject({ conclusion: 'failure' });
      expect(check.output.annotations).toContainEqual(
        expect.objectContaining({
          path: '.approvals/broken.yml',
          start_line: 4,
          message: expect.stringContaining('did you mean "match"'),
        }),
      );
    } finally {
      const fixed = h.sim.world.commit(h.repo, 'main', { '.approvals/broken.yml': null });
      await h.hooks.push(h.repo, {
        ref: 'refs/heads/main',
        before: after,
        after: fixed,
        changed: ['.approvals/broken.yml'],
        pusher: h.sim.world.addUser('dana'),
      });
    }
    const step = await h.step({ runId: ++run });
    expect((await h.request(step, { action: 'publish-docs' })).body.status).toBe('approved');
  });

  it('a pull request changing .approvals/ gets a policy check on its head commit', async () => {
    const pull = h.sim.world.openPull(h.repo, {
      head: 'policy-change',
      user: 'dana',
      changes: { '.approvals/policies.yml': POLICY.replace('required: 2', 'required: 3') },
    });
    await h.hooks.pullRequest(h.repo, pull, 'opened');
    expect(
      h.repo.checkRuns.find((c) => c.name === 'policy check' && c.head_sha === pull.headSha),
    ).toMatchObject({ conclusion: 'success' });
  });
});
