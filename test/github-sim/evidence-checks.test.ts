// Check runs and suites of every app on a commit, workflow runs' suites, and commit statuses (read
// and posted), through a real Octokit with installation tokens; every answer held to GitHub's
// description (`assertNoViolations` after each test).
import type { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installationKit } from './installation-kit.ts';
import { GitHubSimulator } from './server.ts';
import type { SimRepo } from './world.ts';

let sim: GitHubSimulator;
let repo: SimRepo;
let sha: string;
let installationId: number;
const at = { owner: 'acme', repo: 'shop' };
const kit = (permissions?: Record<string, string>) => installationKit(sim, installationId, permissions);

beforeEach(async () => {
  sim = new GitHubSimulator();
  await sim.start();
  sim.world.app.permissions.statuses = 'write'; // a CI app that posts statuses
  repo = sim.world.addRepo('acme/shop');
  sha = repo.branches.get('main')!;
  installationId = sim.world.install('acme').id;
});
afterEach(async () => {
  await sim.stop();
  sim.assertNoViolations();
});

const forbidden = { status: 403, response: { data: { message: 'Resource not accessible by integration' } } };

describe('check runs on a commit', () => {
  it('lists every app’s runs, filtered by check_name, status and app_id, paged by 100 at most', async () => {
    const octokit = await kit();
    const own = (await octokit.checks.create({ ...at, name: 'jit-approvals', head_sha: sha })).data;
    const lint = sim.world.addCheckRunFor(repo, sha, { name: 'lint', status: 'in_progress', appId: 9999 });
    for (let i = 0; i < 120; i++)
      sim.world.addCheckRunFor(repo, sha, { name: `test (${i})`, conclusion: 'success' });
    const list = (q: Record<string, unknown>) => octokit.checks.listForRef({ ...at, ref: sha, ...q });
    const first = (await list({ per_page: 100 })).data;
    expect([first.total_count, first.check_runs.length]).toEqual([122, 100]);
    expect((await list({ per_page: 100, page: 2 })).data.check_runs).toHaveLength(22);
    const byName = (await list({ check_name: 'lint' })).data.check_runs;
    expect(byName.map((r) => [r.id, r.app?.id, r.status, r.conclusion])).toEqual([
      [lint.id, 9999, 'in_progress', null],
    ]);
    expect((await list({ status: 'in_progress' })).data.total_count).toBe(1);
    expect((await list({ app_id: sim.world.app.id })).data.check_runs.map((r) => r.id)).toEqual([own.id]);
    sim.world.completeCheckRun(lint, 'failure');
    expect((await list({ check_name: 'lint' })).data.check_runs[0]).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
    });
  });

  it('puts an app’s runs on one commit in one suite, and a workflow run’s jobs in the run’s suite', async () => {
    const octokit = await kit();
    sim.world.addRun(repo, { id: 501, actor: 'dana', headSha: sha });
    const job = sim.world.addJob(repo, { runId: 501, name: 'build', headSha: sha });
    const a = sim.world.addCheckRunFor(repo, sha, { name: 'a', conclusion: 'success', appId: 9999 });
    const b = sim.world.addCheckRunFor(repo, sha, { name: 'b', conclusion: 'failure', appId: 9999 });
    expect(a.checkSuiteId).toBe(b.checkSuiteId);
    const run = (await octokit.actions.getWorkflowRun({ ...at, run_id: 501 })).data;
    const attempt = (await octokit.actions.getWorkflowRunAttempt({ ...at, run_id: 501, attempt_number: 1 }))
      .data;
    expect(attempt.check_suite_id).toBe(run.check_suite_id);
    const suites = (await octokit.checks.listSuitesForRef({ ...at, ref: sha })).data;
    expect(suites.total_count).toBe(2);
    const bySuite = Object.fromEntries(suites.check_suites.map((s) => [s.id, s]));
    expect(bySuite[run.check_suite_id!]).toMatchObject({
      app: { id: 15368 },
      status: 'in_progress',
      conclusion: null,
    });
    expect(bySuite[a.checkSuiteId!]).toMatchObject({
      app: { id: 9999 },
      status: 'completed',
      conclusion: 'failure',
      head_sha: sha,
      latest_check_runs_count: 2,
    });
    const jobRun = (await octokit.checks.listForRef({ ...at, ref: sha, check_name: 'build' })).data
      .check_runs[0];
    expect([jobRun?.id, jobRun?.check_suite?.id]).toEqual([job.id, run.check_suite_id]);
    expect((await octokit.checks.listSuitesForRef({ ...at, ref: sha, app_id: 9999 })).data.total_count).toBe(
      1,
    );
    expect(
      (await octokit.checks.listSuitesForRef({ ...at, ref: sha, check_name: 'build' })).data.check_suites.map(
        (s) => s.id,
      ),
    ).toEqual([run.check_suite_id]);
  });

  it('refuses a token without checks: read', async () => {
    const octokit = await kit({ statuses: 'read' });
    await expect(octokit.checks.listForRef({ ...at, ref: sha })).rejects.toMatchObject(forbidden);
    await expect(octokit.checks.listSuitesForRef({ ...at, ref: sha })).rejects.toMatchObject(forbidden);
  });
});

describe('commit statuses', () => {
  const combined = async (octokit: Octokit, q: Record<string, unknown> = {}) =>
    (await octokit.repos.getCombinedStatusForRef({ ...at, ref: sha, ...q })).data;

  it('combines the latest status per context: failure or error fail, then pending, else success', async () => {
    const octokit = await kit({ statuses: 'read' });
    expect(await combined(octokit)).toMatchObject({ state: 'pending', total_count: 0, statuses: [] });
    sim.world.setStatus(repo, sha, { context: 'ci/a', state: 'success' });
    sim.world.setStatus(repo, sha, { context: 'ci/b', state: 'pending' });
    expect((await combined(octokit)).state).toBe('pending');
    sim.world.setStatus(repo, sha, { context: 'ci/b', state: 'success', description: 'done' });
    const green = await combined(octokit);
    expect(green).toMatchObject({ state: 'success', total_count: 2, sha });
    expect(green.statuses.map((s) => [s.context, s.state, s.description])).toEqual([
      ['ci/a', 'success', null],
      ['ci/b', 'success', 'done'],
    ]);
    sim.world.setStatus(repo, sha, { context: 'ci/c', state: 'error' });
    sim.world.setStatus(repo, sha, { context: 'ci/d', state: 'pending' });
    expect((await combined(octokit)).state).toBe('failure');
    sim.world.setStatus(repo, sha, { context: 'ci/c', state: 'success' });
    sim.world.setStatus(repo, sha, { context: 'ci/d', state: 'failure' });
    expect((await combined(octokit)).state).toBe('failure');
    const page = await combined(octokit, { per_page: 3, page: 2 });
    expect([page.total_count, page.statuses.map((s) => s.context)]).toEqual([4, ['ci/d']]);
  });

  it('takes statuses posted with statuses: write, and refuses them with read only', async () => {
    const ci = await kit({ statuses: 'write' });
    const posted = (
      await ci.repos.createCommitStatus({
        ...at,
        sha,
        state: 'success',
        context: 'ci/demo',
        description: 'green',
      })
    ).data;
    expect(posted).toMatchObject({
      state: 'success',
      context: 'ci/demo',
      creator: { login: 'jit-approvals[bot]' },
    });
    expect(await combined(ci)).toMatchObject({ state: 'success', total_count: 1 });
    const reader = await kit({ statuses: 'read' });
    await expect(
      reader.repos.createCommitStatus({ ...at, sha, state: 'failure', context: 'ci/demo' }),
    ).rejects.toMatchObject(forbidden);
    await expect(combined(await kit({ checks: 'read' }))).rejects.toMatchObject(forbidden);
  });
});
