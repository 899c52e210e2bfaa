import { afterEach, describe, expect, it } from 'vitest';
import type { SimRepo } from '../github-sim/world.ts';
import { AppHarness } from './harness.ts';

/** The repository's own policy: deploys to production need one approval from alice; docs auto-approve. */
const REPO = `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    auto_approve: [{ environment: [staging] }]
`;

let h: AppHarness;
let org: SimRepo;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
});

/** acme/shop with REPO, and acme/.github holding `orgPolicies` in .approvals/org.yml. */
async function start(orgPolicies: string, env: Record<string, string> = {}): Promise<AppHarness> {
  h = new AppHarness();
  h.env = env;
  await h.start({ 'repo.yml': REPO }, { app: false });
  org = h.sim.world.addRepo('acme/.github', { files: { '.approvals/org.yml': orgPolicies } });
  await h.startApp();
  return h;
}

describe('organization policies (acme/.github/.approvals)', () => {
  it('an org freeze denies a deploy its repository would approve at once', async () => {
    await start(`version: 1
policies:
  - name: holiday-freeze
    match: {}
    freeze: [{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z", reason: Holiday freeze }]
`);
    const res = await h.request(await h.step({ environment: 'staging' }));
    expect(res.body.status).toBe('denied');
    expect(res.body.decision.policies).toEqual(['org:holiday-freeze', 'deploy']);
    expect(res.body.decision.reasons.map((r) => r.message).join('\n')).toContain(
      'policy "org:holiday-freeze": inside freeze Holiday freeze',
    );
  });

  it('an org quorum of two applies on top of the repository policy of one', async () => {
    await start(`version: 1
policies:
  - name: production-quorum
    match: { environment: [production] }
    approvers: { users: [sam, rhea] }
    required: 2
`);
    const step = await h.step();
    const res = await h.request(step);
    expect(res.body.status).toBe('pending');
    expect(res.body.decision.requirements.map((q) => [q.policy, q.required])).toEqual([
      ['org:production-quorum', 2],
      ['deploy', 1],
    ]);
    const check = h.repo.checkRuns[0]!.id;
    // As reviewers read it (the renderer puts an invisible word joiner after the colon).
    expect(h.checkRun(check).output.summary!.replaceAll('\u2060', '')).toContain('**org:production-quorum**');
    await h.click(check, 'alice');
    await h.click(check, 'sam');
    expect((await h.poll(step, res.body.id)).body.status).toBe('pending'); // the org wants two
    await h.click(check, 'rhea');
    const done = await h.poll(step, res.body.id);
    expect(done.body).toMatchObject({ status: 'approved', approvers: ['sam', 'rhea', 'alice'] }); // by requirement
    const decision = (await h.runtime.store.auditOf(res.body.id)).find((e) => e.type === 'decision')!;
    expect(decision.data.policies).toEqual(['org:production-quorum', 'deploy']);
  });

  it("a repository outside the org policy's scope is unaffected", async () => {
    await start(`version: 1
policies:
  - name: payments-freeze
    match: {}
    scope: { repositories: ["payments-*"] }
    freeze: [{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z" }]
`);
    const shop = await h.request(await h.step({ environment: 'staging' }));
    expect(shop.body).toMatchObject({ status: 'approved', decision: { policies: ['deploy'] } });
    const payments = h.sim.world.addRepo('acme/payments-api', { files: { '.approvals/repo.yml': REPO } });
    const denied = await h.request(await h.step({ environment: 'staging', runId: 9100 }, payments));
    expect(denied.body.status).toBe('denied');
    expect(denied.body.decision.policies).toContain('org:payments-freeze');
  });

  it('an invalid org policy denies every request of the organization, naming the file and line', async () => {
    await start(`version: 1
policies:
  - name: broken
    match: { action: ["deploy-*"] }
    approvers: { users: [sam] }
    requried: 2
`);
    const res = await h.request(await h.step({ environment: 'staging' }));
    expect(res.body.status).toBe('denied');
    const why = res.body.decision.reasons.map((r) => r.message).join('\n');
    expect(why).toMatch(/acme\/\.github\/\.approvals\/org\.yml:6:5: .*unknown key "requried"/);
  });

  it('a push to acme/.github takes effect on the next request, with policies cached', async () => {
    await start(
      `version: 1
policies:
  - name: audit-only
    match: { action: [nothing-real] }
    approvers: { users: [sam] }
`,
      { POLICY_CACHE_SECONDS: '600' },
    );
    expect((await h.request(await h.step({ environment: 'staging' }))).body.status).toBe('approved');
    const before = org.branches.get('main')!;
    const after = h.sim.world.commit(org, 'main', {
      '.approvals/org.yml': `version: 1
policies:
  - name: freeze
    match: {}
    freeze: [{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z" }]
`,
    });
    // Cached: the change is not read until GitHub says it happened.
    expect((await h.request(await h.step({ environment: 'staging', runId: 9101 }))).body.status).toBe(
      'approved',
    );
    await h.hooks.push(org, {
      ref: 'refs/heads/main',
      before,
      after,
      changed: ['.approvals/org.yml'],
      pusher: h.sim.world.addUser('sam'),
    });
    const next = await h.request(await h.step({ environment: 'staging', runId: 9102 }));
    expect(next.body).toMatchObject({ status: 'denied', decision: { policies: ['org:freeze', 'deploy'] } });
  });

  it('an organization without a .github repository adds nothing, and costs one lookup per cache period', async () => {
    h = new AppHarness();
    h.env = { POLICY_CACHE_SECONDS: '600' };
    await h.start({ 'repo.yml': REPO });
    expect((await h.request(await h.step({ environment: 'staging' }))).body.status).toBe('approved');
    expect((await h.request(await h.step({ environment: 'staging', runId: 9103 }))).body.status).toBe(
      'approved',
    );
    const lookups = h.sim.calls.filter((c) => c.path === '/repos/acme/.github');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.status).toBe(404);
  });

  it('a pull request on acme/.github changing its policies gets the policy check', async () => {
    await start(`version: 1
policies:
  - name: quorum
    match: {}
    approvers: { users: [sam] }
`);
    const pull = h.sim.world.openPull(org, {
      head: 'tighten',
      user: 'sam',
      changes: { '.approvals/org.yml': 'version: 1\npolicies:\n  - name: quorum\n    matchh: {}\n' },
    });
    await h.hooks.pullRequest(org, pull, 'opened');
    expect(org.checkRuns.find((c) => c.name === 'policy check' && c.head_sha === pull.headSha)).toMatchObject(
      {
        conclusion: 'failure',
      },
    );
  });

  it('a forced push to acme/.github that lists no changed file still drops the cached policies', async () => {
    await start(
      `version: 1
policies:
  - name: freeze
    match: {}
    freeze: [{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z" }]
`,
      { POLICY_CACHE_SECONDS: '600' },
    );
    expect((await h.request(await h.step({ environment: 'staging' }))).body.status).toBe('denied');
    const before = org.branches.get('main')!;
    const after = h.sim.world.commit(org, 'main', {
      '.approvals/org.yml':
        'version: 1\npolicies:\n  - name: none\n    match: { action: [x] }\n    approvers: { users: [sam] }\n',
    });
    await h.hooks.push(org, {
      ref: 'refs/heads/main',
      before,
      after,
      changed: [],
      forced: true,
      pusher: h.sim.world.addUser('sam'),
    });
    const next = await h.request(await h.step({ environment: 'staging', runId: 9104 }));
    expect(next.body.status).toBe('approved');
  });
});
