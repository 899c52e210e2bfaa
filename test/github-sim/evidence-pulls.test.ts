// The pull requests of a commit and their reviews, merges, compare (three dots, merge base, commits
// paged, files with line counts) and single commits, through a real Octokit with installation tokens;
// every answer held to GitHub's description (`assertNoViolations` after each test).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installationKit } from './installation-kit.ts';
import { GitHubSimulator } from './server.ts';
import type { SimRepo } from './world.ts';

let sim: GitHubSimulator;
let repo: SimRepo;
let installationId: number;
const at = { owner: 'acme', repo: 'shop' };
const kit = (permissions?: Record<string, string>) => installationKit(sim, installationId, permissions);
const forbidden = { status: 403, response: { data: { message: 'Resource not accessible by integration' } } };

beforeEach(async () => {
  sim = new GitHubSimulator();
  await sim.start();
  repo = sim.world.addRepo('acme/shop', { files: { 'src/a.ts': 'a\nb\nc\n' } });
  installationId = sim.world.install('acme').id;
});
afterEach(async () => {
  await sim.stop();
  sim.assertNoViolations();
});

describe('pull requests and reviews', () => {
  it('finds a pull request by its head, and by its merge commit once merged, with who merged it', async () => {
    const octokit = await kit({ pull_requests: 'read' });
    const pull = sim.world.openPull(repo, { head: 'f', user: 'carol' });
    const byHead = (sha: string) =>
      octokit.repos.listPullRequestsAssociatedWithCommit({ ...at, commit_sha: sha });
    expect((await byHead(pull.headSha)).data.map((p) => [p.number, p.state, p.merged_at])).toEqual([
      [pull.number, 'open', null],
    ]);
    expect((await octokit.pulls.get({ ...at, pull_number: pull.number })).data).toMatchObject({
      merged: false,
      merged_by: null,
    });
    const merge = sim.world.mergePull(repo, pull, { mergedBy: 'erin' });
    expect(repo.branches.get('main')).toBe(merge);
    expect((await byHead(merge)).data.map((p) => p.number)).toEqual([pull.number]);
    const got = (await octokit.pulls.get({ ...at, pull_number: pull.number })).data;
    expect(got).toMatchObject({
      state: 'closed',
      merged: true,
      merge_commit_sha: merge,
      merged_by: { login: 'erin' },
    });
    expect(Date.parse(got.merged_at!)).not.toBeNaN();
  });

  it('pages reviews, each with its author, state, time and commit; a dismissed one stays, DISMISSED', async () => {
    const octokit = await kit({ pull_requests: 'read' });
    const pull = sim.world.openPull(repo, { head: 'f', user: 'carol' });
    const ids = Array.from(
      { length: 35 },
      (_, i) =>
        sim.world.addReview(repo, pull, { user: `r${i}`, state: i % 2 ? 'COMMENTED' : 'APPROVED' }).id,
    );
    const later = sim.world.addReview(repo, pull, {
      user: 'r0',
      state: 'CHANGES_REQUESTED',
      commitId: repo.branches.get('main')!,
    });
    sim.world.dismissReview(repo, pull, ids[2]!);
    const list = (page: number) => octokit.pulls.listReviews({ ...at, pull_number: pull.number, page });
    const [one, two] = [(await list(1)).data, (await list(2)).data];
    expect([one.length, two.length]).toEqual([30, 6]);
    expect(one[0]).toMatchObject({
      id: ids[0],
      user: { login: 'r0', id: sim.world.user('r0')!.id },
      state: 'APPROVED',
      commit_id: pull.headSha,
    });
    expect(Date.parse(one[0]!.submitted_at!)).not.toBeNaN();
    expect(one[2]).toMatchObject({ id: ids[2], state: 'DISMISSED' });
    expect(two.at(-1)).toMatchObject({
      id: later.id,
      state: 'CHANGES_REQUESTED',
      commit_id: repo.branches.get('main'),
    });
  });

  it('refuses a token without pull_requests: read', async () => {
    const octokit = await kit({ contents: 'read' });
    const pull = sim.world.openPull(repo, { head: 'f', user: 'carol' });
    await expect(octokit.pulls.listReviews({ ...at, pull_number: pull.number })).rejects.toMatchObject(
      forbidden,
    );
    await expect(
      octokit.repos.listPullRequestsAssociatedWithCommit({ ...at, commit_sha: pull.headSha }),
    ).rejects.toMatchObject(forbidden);
  });
});

describe('compare and commits', () => {
  it('compares along history: commits paged oldest first, files with lines added and removed', async () => {
    const octokit = await kit({ contents: 'read' });
    const base = repo.branches.get('main')!;
    const shas = Array.from({ length: 35 }, (_, i) =>
      sim.world.commit(repo, 'main', { [`n/${i}`]: `${i}\n` }),
    );
    const head = sim.world.commit(repo, 'main', { 'src/a.ts': 'a\nx\nc\nd\n', 'n/0': null });
    const cmp = (q: Record<string, unknown>) =>
      octokit.repos.compareCommitsWithBasehead({ ...at, basehead: `${base}...${head}`, ...q });
    const first = (await cmp({ per_page: 10 })).data;
    expect(first).toMatchObject({ status: 'ahead', ahead_by: 36, behind_by: 0, total_commits: 36 });
    expect(first.commits.map((c) => c.sha)).toEqual(shas.slice(0, 10));
    expect((await cmp({ per_page: 10, page: 4 })).data.commits.map((c) => c.sha)).toEqual([
      ...shas.slice(30),
      head,
    ]);
    const files = Object.fromEntries(
      first.files!.map((f) => [f.filename, [f.status, f.additions, f.deletions, f.changes]]),
    );
    expect(files['src/a.ts']).toEqual(['modified', 2, 1, 3]); // b -> x, d added
    expect(files['n/0']).toBeUndefined(); // added then removed: no change between the two
    expect(first.files).toHaveLength(35); // n/1 to n/34 and src/a.ts
    const identical = (
      await octokit.repos.compareCommitsWithBasehead({ ...at, basehead: `${head}...${head}` })
    ).data;
    expect(identical).toMatchObject({ status: 'identical', ahead_by: 0, total_commits: 0, files: [] });
  });

  it('compares diverged branches from their merge base, and a pull’s head with its merge commit', async () => {
    const octokit = await kit({ contents: 'read' });
    const pull = sim.world.openPull(repo, { head: 'f', user: 'carol', changes: { 'src/b.ts': 'b\n' } });
    const onMain = sim.world.commit(repo, 'main', { 'docs/x.md': 'x\n' });
    const diverged = (
      await octokit.repos.compareCommitsWithBasehead({ ...at, basehead: `${onMain}...${pull.headSha}` })
    ).data;
    expect(diverged).toMatchObject({ status: 'diverged', ahead_by: 1, behind_by: 1 });
    expect(diverged.files?.map((f) => f.filename)).toEqual(['src/b.ts']);
    const merge = sim.world.mergePull(repo, pull);
    const after = (
      await octokit.repos.compareCommitsWithBasehead({ ...at, basehead: `${pull.headSha}...${merge}` })
    ).data;
    expect(after).toMatchObject({ status: 'ahead', ahead_by: 2, merge_base_commit: { sha: pull.headSha } });
    expect(after.files?.map((f) => f.filename)).toEqual(['docs/x.md']);
    const commit = (await octokit.repos.getCommit({ ...at, ref: merge })).data;
    expect(commit.parents.map((p) => p.sha)).toEqual([onMain, pull.headSha]);
  });

  it('lists at most 300 files, exactly 300 when there are more', async () => {
    const octokit = await kit({ contents: 'read' });
    const base = repo.branches.get('main')!;
    const files = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`f/${String(i).padStart(3, '0')}`, `${i}\n`]));
    const head = sim.world.commit(repo, 'main', files(300));
    const all = (await octokit.repos.compareCommitsWithBasehead({ ...at, basehead: `${base}...${head}` }))
      .data;
    expect(all.files).toHaveLength(300);
    const more = sim.world.commit(repo, 'main', { 'g/1': '1\n', 'g/2': '2\n' });
    const cut = (await octokit.repos.compareCommitsWithBasehead({ ...at, basehead: `${base}...${more}` }))
      .data;
    expect(cut.files).toHaveLength(300);
    expect(cut.files?.at(-1)?.filename).toBe('f/299'); // g/1 and g/2, listed last, are cut
  });

  it('gives a commit with its files, stats and verification', async () => {
    const octokit = await kit({ contents: 'read' });
    const sha = sim.world.commit(repo, 'main', { 'src/a.ts': 'a\nc\n', 'src/n.ts': 'n\n' });
    const commit = (await octokit.repos.getCommit({ ...at, ref: sha })).data;
    expect(commit.sha).toBe(sha);
    expect(commit.stats).toEqual({ additions: 1, deletions: 1, total: 2 });
    expect(commit.files?.map((f) => [f.filename, f.status, f.changes])).toEqual([
      ['src/a.ts', 'modified', 1],
      ['src/n.ts', 'added', 1],
    ]);
    expect(commit.commit.verification).toEqual({
      verified: false,
      reason: 'unsigned',
      signature: null,
      payload: null,
      verified_at: null,
    });
    sim.world.setVerification(repo, sha, { verified: false, reason: 'bad_email' });
    expect((await octokit.repos.getCommit({ ...at, ref: sha })).data.commit.verification?.reason).toBe(
      'bad_email',
    );
    sim.world.setVerification(repo, sha, { verified: true });
    const signed = (await octokit.repos.getCommit({ ...at, ref: sha })).data.commit.verification;
    expect(signed).toMatchObject({ verified: true, reason: 'valid' });
    expect(signed?.signature && signed.payload && signed.verified_at).toBeTruthy();
  });

  it('refuses a token without contents: read', async () => {
    const octokit = await kit({ pull_requests: 'read' });
    const sha = repo.branches.get('main')!;
    await expect(octokit.repos.getCommit({ ...at, ref: sha })).rejects.toMatchObject(forbidden);
    await expect(
      octokit.repos.compareCommitsWithBasehead({ ...at, basehead: `${sha}...${sha}` }),
    ).rejects.toMatchObject(forbidden);
  });
});
