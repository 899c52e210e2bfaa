// The simulator's evidence about a commit, held to GitHub's description (every answer is validated;
// `assertNoViolations` after each test): check runs of other apps and of workflow jobs, combined
// statuses, the pull requests of a commit and their reviews, compare with its 300-file cut, commits
// with their verification, and the completion webhooks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installationKit } from './installation-kit.ts';
import { GitHubSimulator } from './server.ts';
import { validateWebhook, WebhookSender } from './webhooks.ts';
import type { SimRepo } from './world.ts';

let sim: GitHubSimulator;
let repo: SimRepo;
let installationId: number;

const kit = (permissions?: Record<string, string>) => installationKit(sim, installationId, permissions);

beforeEach(async () => {
  sim = new GitHubSimulator();
  await sim.start();
  repo = sim.world.addRepo('acme/shop');
  installationId = sim.world.install('acme').id;
});
afterEach(async () => {
  await sim.stop();
  sim.assertNoViolations();
});

const at = { owner: 'acme', repo: 'shop' };

describe('check runs and statuses on a commit', () => {
  it("lists other apps' check runs and workflow jobs (in their run's check suite), latest per name, paged", async () => {
    const sha = repo.branches.get('main')!;
    sim.world.addRun(repo, { id: 77, actor: 'dana', headSha: sha });
    const job = sim.world.addJob(repo, { runId: 77, name: 'deploy', headSha: sha });
    sim.world.addCheckRunFor(repo, sha, { name: 'build', conclusion: 'failure' });
    sim.world.addCheckRunFor(repo, sha, { name: 'build', conclusion: 'success' }); // a re-run
    for (let i = 0; i < 3; i++)
      sim.world.addCheckRunFor(repo, sha, { name: `test (${i})`, status: 'in_progress' });
    const octokit = await kit();
    const { data } = await octokit.checks.listForRef({ ...at, ref: sha, per_page: 2, page: 1 });
    expect(data.total_count).toBe(5);
    expect(data.check_runs).toHaveLength(2);
    const all = (await octokit.checks.listForRef({ ...at, ref: sha, per_page: 100 })).data.check_runs;
    expect(all.filter((r) => r.name === 'build').map((r) => r.conclusion)).toEqual(['success']);
    const deploy = all.find((r) => r.name === 'deploy')!;
    expect(deploy.id).toBe(job.id);
    expect(deploy.app?.id).toBe(15368);
    const run = (await octokit.actions.getWorkflowRun({ ...at, run_id: 77 })).data;
    expect(deploy.check_suite?.id).toBe(run.check_suite_id);
    const every = (await octokit.checks.listForRef({ ...at, ref: sha, filter: 'all', per_page: 100 })).data;
    expect(every.total_count).toBe(6);
  });

  it('combines statuses as GitHub does: the latest per context; failure, else pending, else success', async () => {
    const sha = repo.branches.get('main')!;
    const octokit = await kit();
    const state = async () => (await octokit.repos.getCombinedStatusForRef({ ...at, ref: sha })).data;
    expect((await state()).state).toBe('pending'); // none at all
    sim.world.setStatus(repo, sha, { context: 'ci/a', state: 'pending' });
    sim.world.setStatus(repo, sha, { context: 'ci/a', state: 'success' });
    expect(await state()).toMatchObject({ state: 'success', total_count: 1 });
    sim.world.setStatus(repo, sha, { context: 'ci/b', state: 'error' });
    expect((await state()).state).toBe('failure');
  });

  it('refuses a token without statuses or checks permission', async () => {
    const sha = repo.branches.get('main')!;
    const octokit = await kit({ contents: 'read' });
    await expect(octokit.repos.getCombinedStatusForRef({ ...at, ref: sha })).rejects.toMatchObject({
      status: 403,
    });
    await expect(octokit.checks.listForRef({ ...at, ref: sha })).rejects.toMatchObject({ status: 403 });
  });
});

describe('pull requests, reviews, compare and verification', () => {
  it('finds the merged pull request of a merge commit, with reviews as submitted and dismissed', async () => {
    const pull = sim.world.openPull(repo, { head: 'f', user: 'carol', changes: { 'src/a.ts': 'a\nb\n' } });
    const r1 = sim.world.addReview(repo, pull, { user: 'alice', state: 'APPROVED' });
    sim.world.addReview(repo, pull, { user: 'bob', state: 'CHANGES_REQUESTED' });
    sim.world.dismissReview(repo, pull, r1.id);
    const sha = sim.world.mergePull(repo, pull);
    const octokit = await kit();
    const pulls = (await octokit.repos.listPullRequestsAssociatedWithCommit({ ...at, commit_sha: sha })).data;
    expect(pulls.map((p) => [p.number, p.merge_commit_sha, p.merged_at !== null])).toEqual([
      [pull.number, sha, true],
    ]);
    const reviews = (await octokit.pulls.listReviews({ ...at, pull_number: pull.number })).data;
    expect(reviews.map((r) => [r.user?.login, r.state])).toEqual([
      ['alice', 'DISMISSED'],
      ['bob', 'CHANGES_REQUESTED'],
    ]);
    expect((await octokit.pulls.get({ ...at, pull_number: pull.number })).data).toMatchObject({
      merged: true,
      state: 'closed',
    });
  });

  it('compares two commits with files and lines, and lists at most 300 files', async () => {
    const base = repo.branches.get('main')!;
    const small = sim.world.commit(repo, 'main', { 'docs/a.md': 'one\ntwo\n' });
    const octokit = await kit();
    const one = (await octokit.repos.compareCommitsWithBasehead({ ...at, basehead: `${base}...${small}` }))
      .data;
    expect(one).toMatchObject({ status: 'ahead', ahead_by: 1, total_commits: 1 });
    expect(one.files?.map((f) => [f.filename, f.status, f.additions])).toEqual([['docs/a.md', 'added', 2]]);
    const many = Object.fromEntries(Array.from({ length: 301 }, (_, i) => [`f/${i}.txt`, String(i)]));
    const big = sim.world.commit(repo, 'main', many);
    const cut = (await octokit.repos.compareCommitsWithBasehead({ ...at, basehead: `${small}...${big}` }))
      .data;
    expect(cut.files).toHaveLength(300);
    const back = (await octokit.repos.compareCommitsWithBasehead({ ...at, basehead: `${big}...${small}` }))
      .data;
    expect(back.status).toBe('behind');
  });

  it("gives a commit's verification", async () => {
    const sha = repo.branches.get('main')!;
    const octokit = await kit();
    expect((await octokit.repos.getCommit({ ...at, ref: sha })).data.commit.verification?.verified).toBe(
      false,
    );
    sim.world.setVerification(repo, sha, { verified: true });
    expect((await octokit.repos.getCommit({ ...at, ref: sha })).data.commit.verification).toMatchObject({
      verified: true,
      reason: 'valid',
    });
  });
});

describe('completion webhooks', () => {
  it('check_run.completed, check_suite.completed and status fit the description', async () => {
    const sent: { event: string; body: string }[] = [];
    const hooks = new WebhookSender(sim, () => ({ url: 'http://127.0.0.1:9/none', secret: 's' }));
    const send = hooks.send.bind(hooks);
    hooks.send = async (event, payload, hook) => {
      expect(validateWebhook(hook, payload)).toEqual([]);
      sent.push({ event, body: JSON.stringify(payload) });
      return { id: '1', event, body: '', status: 200, response: '' };
    };
    void send;
    const sha = repo.branches.get('main')!;
    const run = sim.world.addCheckRunFor(repo, sha, { name: 'build', conclusion: 'success' });
    const bot = sim.world.addUser('github-actions[bot]');
    await hooks.checkRunCompleted(repo, run, bot);
    await hooks.checkSuiteCompleted(repo, { headSha: sha, appId: 15368, conclusion: 'success' }, bot);
    await hooks.status(repo, { sha, context: 'ci/a', state: 'success' }, bot);
    expect(sent.map((s) => s.event)).toEqual(['check_run', 'check_suite', 'status']);
    expect(JSON.parse(sent[0]!.body)).toMatchObject({
      action: 'completed',
      check_run: { head_sha: sha, app: { id: 15368 } },
    });
  });
});
