// Issue 22: organization guardrails fail closed where the operator says so. For an owner listed in
// MANDATORY_ORG_POLICIES, organization policies that cannot be read (the installation does not
// cover `<owner>/.github`, or it has no `.approvals/`) deny every request, saying how to fix it;
// /readyz and the start-up log report it. Owners not listed keep the default (fail open).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SimRepo } from '../github-sim/world.ts';
import { AppHarness } from './harness.ts';

const REPO = `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    auto_approve: [{}]
`;
const FREEZE = `version: 1
policies:
  - name: freeze
    match: {}
    freeze: [{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z", reason: Org freeze }]
`;
const FIX = 'install the app on acme/.github and commit .approvals/ there';

let h: AppHarness;
let orgRepo: SimRepo;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
});

/**
 * acme/shop, and acme/.github holding an org freeze, with acme's installation covering acme/shop
 * only; `other` (never listed) likewise, its .github not covered either.
 */
async function start(
  mandatory: (h: AppHarness) => string,
  orgFiles: Record<string, string> = { '.approvals/org.yml': FREEZE },
) {
  h = new AppHarness();
  await h.start({ 'repo.yml': REPO }, { app: false });
  orgRepo = h.sim.world.addRepo('acme/.github', { files: orgFiles });
  const acme = [...h.sim.world.installations.values()].find((i) => i.account === 'acme')!;
  acme.repositories = [h.repo.id];
  const other = h.sim.world.addRepo('other/app', { files: { '.approvals/repo.yml': REPO } });
  h.sim.world.addRepo('other/.github', { files: { '.approvals/org.yml': FREEZE } });
  h.sim.world.install('other', { repositories: [other] });
  h.env = { MANDATORY_ORG_POLICIES: mandatory(h) };
  await h.startApp();
  return { acme, other };
}

const why = (res: { body: { decision: { reasons: { message: string }[] } } }) =>
  res.body.decision.reasons.map((r) => r.message).join('\n');
const readyz = async () => {
  const res = await fetch(`${h.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; problems?: string[] } };
};

describe('MANDATORY_ORG_POLICIES', () => {
  it('a listed owner whose installation does not cover .github: every request is denied, saying how to fix it', async () => {
    const { other } = await start(() => 'acme');
    const res = await h.request(await h.step({ environment: 'staging' }));
    expect(res.body.status).toBe('denied');
    expect(why(res)).toContain(
      "the organization's policies are mandatory and cannot be read, so every request is denied: acme/.github/.approvals:1:1: the organization policies of acme are mandatory (MANDATORY_ORG_POLICIES), but the app cannot read acme/.github",
    );
    expect(why(res)).toContain(FIX);
    const [policyError] = (await h.runtime.store.auditOf(res.body.id)).filter(
      (e) => e.type === 'policy_error',
    );
    expect(JSON.stringify(policyError!.data)).toContain('org_policies_unreadable');

    // /readyz stays ready (every other owner is served) and names the owner and the fix.
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.problems).toHaveLength(1);
    expect(ready.body.problems![0]).toContain('the organization policies of acme are mandatory');
    expect(ready.body.problems![0]).toContain(FIX);
    expect(await h.runtime.metrics.render()).toMatch(/^jit_org_policies_unreadable 1$/m);

    // An owner not listed keeps the default: its unreadable .github adds nothing.
    const open = await h.request(await h.step({ environment: 'staging', runId: 9200 }, other));
    expect(open.body).toMatchObject({ status: 'approved', decision: { policies: ['deploy'] } });
  });

  it('once the app is installed on .github, the organization policies apply and /readyz is clear', async () => {
    const { acme } = await start(() => 'acme');
    expect((await h.request(await h.step({ environment: 'staging' }))).body.status).toBe('denied');
    acme.repositories = 'all';
    // The app's installation token was minted for acme/shop alone: a new one covers .github too.
    await h.stopApp();
    await h.startApp();
    const res = await h.request(await h.step({ environment: 'staging', runId: 9201 }));
    expect(res.body).toMatchObject({ status: 'denied', decision: { policies: ['org:freeze', 'deploy'] } });
    expect(why(res)).toContain('policy "org:freeze": inside freeze Org freeze');
    expect(why(res)).not.toContain(FIX);
    expect((await readyz()).body).toEqual({ status: 'ready' });
    expect(await h.runtime.metrics.render()).toMatch(/^jit_org_policies_unreadable 0$/m);
  });

  it('a listed owner whose .github has no .approvals/: denied, saying so', async () => {
    const { acme } = await start(() => 'acme', { 'README.md': 'org profile' });
    acme.repositories = 'all';
    const res = await h.request(await h.step({ environment: 'staging' }));
    expect(res.body.status).toBe('denied');
    expect(why(res)).toContain('acme/.github has no policy files in .approvals/ on its default branch');
    expect(why(res)).toContain(FIX);
    expect(orgRepo.name).toBe('.github');
  });

  it("an owner listed by account id is held the same (the token's repository_owner_id)", async () => {
    await start((x) => `someone-else, ${x.sim.world.user('acme')!.id}`);
    const res = await h.request(await h.step({ environment: 'staging' }));
    expect(res.body.status).toBe('denied');
    expect(why(res)).toContain(FIX);
  });

  it('the start-up log names the mode of each installation, and warns of the unreadable and the unknown', async () => {
    await start(() => 'acme,acmee');
    const lines = () =>
      h.logs
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; level: number; account?: string; org_policies?: string });
    await vi.waitFor(() => expect(lines().some((l) => /acmee/.test(l.msg))).toBe(true));
    const modes = lines().filter((l) => l.account !== undefined && l.org_policies !== undefined);
    expect(modes.map((l) => [l.account, l.org_policies])).toEqual([
      ['acme', 'mandatory'],
      ['other', 'optional'],
    ]);
    expect(modes[0]!.msg).toBe(
      'organization policies of acme: mandatory (MANDATORY_ORG_POLICIES): every request is denied while acme/.github/.approvals cannot be read',
    );
    const warnings = lines().filter((l) => l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual([
      expect.stringMatching(
        /the organization policies of acme are mandatory .*install the app on acme\/\.github/,
      ),
      'MANDATORY_ORG_POLICIES names acmee, which no installation of the app belongs to: check the spelling',
    ]);
  });
});
