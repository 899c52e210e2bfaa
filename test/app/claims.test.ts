// Claims that disagree (issue 11): a token naming one repository by name and another by id, a
// signed click naming another repository or app, and environments GitHub tells apart by name only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"], environment: [production] }
    approvers: { users: [alice, bob] }
    required: 2
    token: { permissions: { contents: read } }
`;

let h: AppHarness;
let run = 1200;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('a token whose claims disagree with GitHub', () => {
  it('naming one repository and the id of another is refused (403), and nothing is stored', async () => {
    const other = h.sim.world.addRepo('acme/vault', { files: { '.approvals/p.yml': POLICY } });
    const step = await h.step({ runId: ++run });
    const before = (await h.runtime.store.auditEvents()).length;
    const res = await h.request(step, {}, { claims: { repository_id: String(other.id) } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining(`repository_id ${other.id}`),
    });
    expect(res.body.error!.message).toContain(`acme/shop has id ${h.repo.id}`);
    expect((await h.runtime.store.auditEvents()).length).toBe(before);
  });

  it('naming a repository outside its repository_owner is refused (403)', async () => {
    const step = await h.step({ runId: ++run });
    const res = await h.request(step, {}, { claims: { repository_owner: 'mallory' } });
    expect(res.status).toBe(403);
    expect(res.body.error!.message).toContain('repository_owner "mallory"');
  });

  it('costs one lookup of the repository, cached: later requests of the repository cost none', async () => {
    // Lookups of acme/shop itself (the organization's .github is looked up for its policies).
    const lookups = () =>
      h.sim.calls.filter((c) => c.operation === 'repos/get' && c.path === '/repos/acme/shop').length;
    await h.request(await h.step({ runId: ++run }));
    const before = lookups();
    for (let i = 0; i < 3; i++) expect((await h.request(await h.step({ runId: ++run }))).status).toBe(201);
    expect(lookups()).toBe(before);
  });
});

describe('a signed click', () => {
  it('naming another repository than the request is ignored', async () => {
    const other = h.sim.world.addRepo('acme/tools', { files: {} });
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const checkRun = h.checkRun(await checkRunOf(h, body.id));
    await h.hooks.checkRunRequestedAction(other, checkRun, 'approve', h.sim.world.addUser('alice'));
    await h.settled(body.id);
    expect(await h.runtime.store.votes(body.id)).toEqual([]);
    expect((await h.runtime.store.getRequest(body.id))!.ignoredVotes).toEqual([]);
  });

  it('on a check run of another app is ignored', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const checkRun = h.checkRun(await checkRunOf(h, body.id));
    const alice = h.sim.world.addUser('alice');
    await h.hooks.checkRunRequestedAction(h.repo, checkRun, 'approve', alice, { appId: 999_999 });
    await h.settled(body.id);
    expect(await h.runtime.store.votes(body.id)).toEqual([]);
    await h.hooks.checkRunRequestedAction(h.repo, checkRun, 'approve', alice);
    expect((await h.runtime.store.votes(body.id)).map((v) => v.voterLogin)).toEqual(['alice']);
  });
});

describe('environments', () => {
  it("are compared as GitHub compares them, without case: `Production` is the policy's `production`", async () => {
    const step = await h.step({ runId: ++run, environment: 'Production' });
    const { status, body } = await h.request(step);
    expect(status).toBe(201);
    expect(body.decision.policies).toEqual(['prod']);
  });

  it('legs of one job in `production` and `PRODUCTION` share one request', async () => {
    const eu = await h.step({ runId: ++run, environment: 'production' }, h.repo, { jobName: 'deploy (eu)' });
    const us = await h.step({ runId: run, environment: 'PRODUCTION' }, h.repo, { jobName: 'deploy (us)' });
    const a = await h.request(eu);
    const b = await h.request(us);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.id).toBe(a.body.id);
    expect(b.body.legs).toHaveLength(2);
  });
});
