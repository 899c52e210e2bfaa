// The app's writes to GitHub as `npm start` makes them: a burst at once, then paced per
// installation; GitHub's secondary rate limit waited out; a used-up rate limit reported to the step.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appOctokit } from '../../app/github/octokit-class.ts';
import { AppHarness } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

const h = new AppHarness();
// One write a second after a burst of three (the default is 60 a minute after 20).
h.env = { GITHUB_WRITES_PER_MINUTE: '60', GITHUB_WRITE_BURST: '3' };
let nextRun = 1;

/** A repository of its own organization, so of its own installation with its own write budget. */
function ownInstallation(org: string): (runId: number) => ReturnType<AppHarness['step']> {
  const repo = h.sim.world.addRepo(`${org}/api`, { files: { '.approvals/p.yml': POLICY } });
  h.sim.world.install(org);
  return (runId) => h.step({ runId }, repo);
}

beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

const creates = (since: number) => h.sim.calls.slice(since).filter((c) => c.operation === 'checks/create');

describe("the app's writes to GitHub", () => {
  it('a burst of requests in one installation: the first check runs at once, the rest a second apart', async () => {
    const steps = await Promise.all([1, 2, 3, 4, 5].map(() => h.step({ runId: nextRun++ })));
    const since = h.sim.calls.length;
    const made = await Promise.all(steps.map((s) => h.request(s)));
    expect(made.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);

    const at = creates(since).map((c) => c.at);
    expect(at).toHaveLength(5);
    expect(at[2]! - at[0]!).toBeLessThan(900); // the burst did not wait for pacing
    expect(at[3]! - at[0]!).toBeGreaterThanOrEqual(900); // then about one a second
    expect(at[4]! - at[3]!).toBeGreaterThanOrEqual(900);
  });

  it("GitHub's secondary rate limit on a check run is waited out (retry-after) and retried", async () => {
    const step = ownInstallation('globex');
    const since = h.sim.calls.length;
    h.sim.inject('checks/create', 'secondary-rate-limit');
    const made = await h.request(await step(nextRun++));
    expect(made.status).toBe(201);
    expect(made.body.check_run_url).toMatch(/\/runs\/\d+$/);
    const tries = creates(since);
    expect(tries.map((c) => c.status)).toEqual([403, 201]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(950); // retry-after: 1
    expect(h.logs.join('')).toMatch(
      /secondary rate limit answered POST \/repos\/\{owner\}\/\{repo\}\/check-runs; retrying in 1 s/,
    );
  });

  it('a rate limit used up for the hour: the request waits, and its check run is made once GitHub takes it', async () => {
    const step = await ownInstallation('initech')(nextRun++);
    h.sim.inject('checks/create', 'rate-limit');
    const made = await h.request(step);
    // The request is stored with its check run due (the outbox): the step waits, it is not refused.
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: 'pending', check_run_url: null });
    expect(h.logs.join('')).toContain(
      "GitHub's rate limit stopped creating the approval check run (HTTP 403)",
    );
    await h.runtime.service.sweep(); // the effect's backoff has passed: the sweep makes it
    await vi.waitFor(
      async () => expect((await h.poll(step, made.body.id)).body.check_run_url).toMatch(/\/runs\/\d+$/),
      {
        timeout: 10_000,
      },
    );
    const repo = h.sim.world.repo('initech/api')!;
    expect(repo.checkRuns.filter((r) => r.external_id === made.body.id)).toHaveLength(1);
  });

  it('other GitHub errors (a 502) are repeated after 1 s, as plugin-retry did, and a 404 is not', async () => {
    const config = h.config();
    const Kit = appOctokit(config.githubWrites, config.githubTimeoutMs);
    const installation = await h.runtime.github.installationFor(h.repo.owner, h.repo.name);
    const kit = new Kit({
      auth: { appId: config.appId, privateKey: config.privateKey, installationId: installation },
      baseUrl: h.sim.url,
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const since = h.sim.calls.length;
    h.sim.inject('repos/get', 502);
    const { status } = await kit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'shop' });
    expect(status).toBe(200);
    const tries = h.sim.calls.slice(since).filter((c) => c.operation === 'repos/get');
    expect(tries.map((c) => c.status)).toEqual([502, 200]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(950);
    const missing = h.sim.calls.length;
    await expect(
      kit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'nothing' }),
    ).rejects.toMatchObject({
      status: 404,
    });
    expect(h.sim.calls.slice(missing).filter((c) => c.operation === 'repos/get')).toHaveLength(1);
  });
});
