// Adversary (adv22): the policy check runs on every pull request, strangers' included (a fork's pull
// request is delivered to the base repository's installation). What one pull request makes the app
// read from GitHub, on the installation's rate limit (5,000 an hour), must be bounded.
import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness } from '../app/harness.ts';
import { counter } from '../web/http-page.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
});

/** The GitHub calls the app made since `since`. */
const callsSince = (since: number) =>
  h.sim.calls.slice(since).filter((c) => c.operation !== 'apps/create-installation-access-token');

describe("a stranger's pull request and the policy check", () => {
  it('a pull request adding 400 policy files costs a bounded number of GitHub calls, not one per file', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    h.repo.private = false;
    const files: Record<string, string> = {};
    for (let i = 0; i < 400; i++) files[`.approvals/f${i}.yml`] = POLICY.replace('name: prod', `name: p${i}`);
    const pull = h.sim.world.openPull(h.repo, { head: 'mallory-patch', user: 'mallory', changes: files });
    const since = h.sim.calls.length;
    await h.hooks.pullRequest(h.repo, pull, 'opened');
    const calls = callsSince(since);
    expect(
      calls.some((c) => c.operation === 'checks/create'),
      'the policy check ran',
    ).toBe(true);
    expect(calls.length, 'GitHub calls for one pull request event').toBeLessThanOrEqual(50);
  });

  it('pushes to a pull request that does not touch .approvals/ cost no rereading of unchanged policies each', async () => {
    h = await new AppHarness().start(
      Object.fromEntries(
        Array.from({ length: 30 }, (_, i) => [`f${i}.yml`, POLICY.replace('name: prod', `name: p${i}`)]),
      ),
    );
    h.repo.private = false;
    const pull = h.sim.world.openPull(h.repo, { head: 'typo-fix', user: 'mallory' });
    const since = h.sim.calls.length;
    for (let i = 0; i < 10; i++) {
      pull.headSha = h.sim.world.commit(h.repo, 'typo-fix', { 'README.md': `typo ${i}` });
      await h.hooks.pullRequest(h.repo, pull, 'synchronize');
    }
    const reads = callsSince(since).filter((c) => c.operation === 'repos/get-content' && c.status === 200);
    // Ten pushes by one sender that change no policy: the 31 reads of the default branch's
    // policies (listing + 30 files) are not spent again and again on the rate limit.
    expect(reads.length, 'full-price policy reads for 10 pushes').toBeLessThanOrEqual(31 + 10);
  });
});

describe('the policy check: what it reads, and for whom', () => {
  it('a pull request whose policy files are the default branch’s gets no check; one that changes them does', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const pull = h.sim.world.openPull(h.repo, { head: 'docs', user: 'dana', changes: { 'README.md': 'x' } });
    await h.hooks.pullRequest(h.repo, pull, 'opened');
    const checks = () => h.sim.calls.filter((c) => c.operation === 'checks/create').length;
    expect(checks()).toBe(0);
    expect(await counter(h, 'jit_policy_checks_total{outcome="unchanged"}')).toBe(1);
    const edit = h.sim.world.openPull(h.repo, {
      head: 'policy',
      user: 'dana',
      changes: { '.approvals/p.yml': POLICY.replace('[alice]', '[alice, bob]') },
    });
    await h.hooks.pullRequest(h.repo, edit, 'opened');
    expect(checks()).toBe(1);
    expect(await counter(h, 'jit_policy_checks_total{outcome="checked"}')).toBe(1);
  });

  it('one sender gets 30 policy checks an hour, then one "Not checked" check run, then nothing', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const pull = h.sim.world.openPull(h.repo, {
      head: 'm',
      user: 'mallory',
      changes: { '.approvals/m.yml': POLICY.replace('prod', 'm0') },
    });
    for (let i = 1; i <= 33; i++) {
      pull.headSha = h.sim.world.commit(h.repo, 'm', { '.approvals/m.yml': POLICY.replace('prod', `m${i}`) });
      await h.hooks.pullRequest(h.repo, pull, 'synchronize');
    }
    const made = h.sim.calls.filter((c) => c.operation === 'checks/create');
    expect(made).toHaveLength(31);
    const last = h.repo.checkRuns.filter((r) => r.name === 'policy check').at(-1)!;
    expect(last.conclusion).toBe('neutral');
    expect(last.output.title).toBe('Not checked: too many policy checks');
    expect(await counter(h, 'jit_policy_checks_total{outcome="checked"}')).toBe(30);
    expect(await counter(h, 'jit_policy_checks_total{outcome="over_budget"}')).toBe(3);
    // Another sender is not held back by mallory's hour.
    const other = h.sim.world.openPull(h.repo, {
      head: 'd',
      user: 'dana',
      changes: { '.approvals/d.yml': POLICY.replace('prod', 'd') },
    });
    await h.hooks.pullRequest(h.repo, other, 'opened');
    expect(await counter(h, 'jit_policy_checks_total{outcome="checked"}')).toBe(31);
    // An hour later mallory is checked again.
    h.offsetMs += 61 * 60_000;
    pull.headSha = h.sim.world.commit(h.repo, 'm', { '.approvals/m.yml': POLICY.replace('prod', 'm99') });
    await h.hooks.pullRequest(h.repo, pull, 'synchronize');
    expect(await counter(h, 'jit_policy_checks_total{outcome="checked"}')).toBe(32);
  });
});
