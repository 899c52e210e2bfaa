// Issue 25: a policy whose token the app's installation cannot mint (it grants contents: write; the
// installation holds contents: read) is reported on the policy check of the change that adds it, and
// a request under it is denied before anyone is asked, saying what to grant where: never an approval
// that fails at the mint after a person approved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Permissions } from '../github-sim/world.ts';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: write }, ttl: 15m }
  - name: backup
    match: { action: [routine-backup] }
    auto_approve: [{}]
    token: { permissions: { contents: write, deployments: write } }
`;

let h: AppHarness;
let run = 7700;
const installation = () => [...h.sim.world.installations.values()][0]!;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
  // The owner accepted only contents: read, and no deployments at all.
  const held: Permissions = { ...installation().permissions, contents: 'read' };
  delete held.deployments;
  installation().permissions = held;
  h.sim.world.addUser('alice');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

/** Tokens minted for steps (scoped to the repository), not the app's own installation token. */
const mints = () =>
  [...h.sim.world.tokens.values()].filter(
    (t) => Array.isArray(t.repositories) && t.repositories.includes(h.repo.id),
  );

describe('a policy granting more than the installation holds', () => {
  it('a request under it is denied before anyone is asked, naming the permission and where to grant it', async () => {
    const before = mints().length;
    const step = await h.step({ runId: ++run });
    const res = await h.request(step);
    expect(res.body.status).toBe('denied');
    const why = res.body.decision.reasons.map((r) => r.message).join('\n');
    expect(why).toContain('contents: write (the installation holds read)');
    expect(why).toContain("app's settings");
    const check = h.checkRun(await checkRunOf(h, res.body.id));
    expect(check.conclusion).toBe('failure');
    expect(JSON.stringify(check.output)).toContain('contents: write (the installation holds read)');
    // Nobody was asked: no comment on the commit, no token minted.
    expect(h.repo.commitComments.filter((c) => c.body.includes(res.body.id))).toHaveLength(0);
    expect(mints().length).toBe(before);
  });

  it('an auto-approving one mints nothing and names every permission missing', async () => {
    const before = mints().length;
    const res = await h.request(await h.step({ runId: ++run }), { action: 'routine-backup' });
    expect(res.body.status).toBe('denied');
    const why = res.body.decision.reasons.map((r) => r.message).join('\n');
    expect(why).toContain(
      'contents: write (the installation holds read), deployments: write (the installation holds none)',
    );
    expect(mints().length).toBe(before);
  });

  it('is reported by the policy check of the commit that adds it, at the policy', async () => {
    const before = h.repo.branches.get('main')!;
    const after = h.sim.world.commit(h.repo, 'main', {
      '.approvals/more.yml':
        'version: 1\npolicies:\n  - name: pages\n    match: { action: [publish-site] }\n    approvers: { users: [alice] }\n    token: { permissions: { contents: read, pages: write } }\n',
    });
    await h.hooks.push(h.repo, {
      ref: 'refs/heads/main',
      before,
      after,
      changed: ['.approvals/more.yml'],
      pusher: h.sim.world.addUser('dana'),
    });
    const check = h.repo.checkRuns.find((c) => c.name === 'policy check' && c.head_sha === after)!;
    expect(check).toMatchObject({ conclusion: 'failure' });
    expect(check.output.annotations).toContainEqual(
      expect.objectContaining({
        path: '.approvals/more.yml',
        start_line: 3,
        message: expect.stringContaining('pages: write (the installation holds none)'),
      }),
    );
    expect(check.output.annotations).toContainEqual(
      expect.objectContaining({
        path: '.approvals/p.yml',
        message: expect.stringContaining('policy "prod"'),
      }),
    );
  });

  it('reports an evidence key the installation cannot read, and such an entry never approves', async () => {
    const held = { ...installation().permissions };
    delete held.statuses;
    installation().permissions = held;
    h.offsetMs += 5 * 60_000; // the permissions are read again
    const before = h.repo.branches.get('main')!;
    const after = h.sim.world.commit(h.repo, 'main', {
      '.approvals/green.yml':
        'version: 1\npolicies:\n  - name: green\n    match: { action: [ship-green] }\n    approvers: { users: [alice] }\n    auto_approve: [{ checks: true }]\n',
    });
    await h.hooks.push(h.repo, {
      ref: 'refs/heads/main',
      before,
      after,
      changed: ['.approvals/green.yml'],
      pusher: h.sim.world.addUser('dana'),
    });
    const check = h.repo.checkRuns.find((c) => c.name === 'policy check' && c.head_sha === after)!;
    expect(check.output.annotations).toContainEqual(
      expect.objectContaining({
        path: '.approvals/green.yml',
        start_line: 3,
        message: expect.stringContaining('auto_approve[0] reads checks, which needs statuses: read'),
      }),
    );
    h.sim.world.addCheckRunFor(h.repo, after, { name: 'build', conclusion: 'success' });
    const res = await h.request(await h.step({ runId: ++run, sha: after }), { action: 'ship-green' });
    expect(res.body.status).toBe('pending');
    expect(res.body.decision.reasons.map((r) => r.message).join('\n')).toContain(
      "checks could not be read (the app's installation lacks statuses: read)",
    );
  });

  it('once the owner grants it, a request is decided as the policy says (read again within 5 minutes)', async () => {
    installation().permissions = { ...installation().permissions, contents: 'write', deployments: 'write' };
    h.offsetMs += 5 * 60_000;
    const res = await h.request(await h.step({ runId: ++run }), { action: 'routine-backup' });
    expect(res.body.status).toBe('approved');
  });
});
