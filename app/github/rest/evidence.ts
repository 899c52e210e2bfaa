// Reads of live evidence about a commit (auto_approve's evidence keys): its checks and statuses, the
// pull request it came through with its reviews, a comparison with an earlier commit, and whether
// its signature is verified. Each read is bounded in pages; a read that cannot finish throws.
import { AppError } from '../../errors.ts';
import type { CheckResult } from '../../policy/evidence.ts';
import { call } from '../errors.ts';
import type { Kit } from '../installations.ts';

type Repo = { owner: string; repo: string };

/** Pages of 100 read at most per list: 1,000 check runs, statuses or reviews. */
export const EVIDENCE_PAGES = 10;
/** GitHub's compare lists at most this many files (FACTS.md): a change with more is too large to read. */
export const COMPARE_FILES = 300;

const PASSING = new Set(['success', 'neutral', 'skipped']);

/** Which check runs are not evidence: the app's own, and the asking run's jobs (by check suite). */
export interface Excluded {
  appId: number;
  checkSuiteId: number | null;
}

async function pages<T>(
  what: string,
  read: (page: number) => Promise<{ items: T[]; total?: number }>,
): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; page <= EVIDENCE_PAGES; page++) {
    const { items, total } = await read(page);
    out.push(...items);
    if (items.length < 100 || (total !== undefined && out.length >= total)) return out;
  }
  throw new AppError('unavailable', `${what}: more than ${EVIDENCE_PAGES * 100}, too many to read`);
}

/** The commit's check runs (latest per name) and commit statuses (latest per context), as results. */
export async function commitChecks(
  kit: Kit,
  at: Repo,
  sha: string,
  excluded: Excluded,
): Promise<CheckResult[]> {
  const where = `${at.owner}/${at.repo}@${sha.slice(0, 7)}`;
  const runs = await pages(`check runs on ${where}`, (page) =>
    call(`listing the check runs of ${where}`, async () => {
      const { data } = await kit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
        ...at,
        ref: sha,
        filter: 'latest',
        per_page: 100,
        page,
      });
      return { items: data.check_runs, total: data.total_count };
    }),
  );
  const statuses = await pages(`statuses on ${where}`, (page) =>
    call(`reading the combined status of ${where}`, async () => {
      const { data } = await kit.request('GET /repos/{owner}/{repo}/commits/{ref}/status', {
        ...at,
        ref: sha,
        per_page: 100,
        page,
      });
      return { items: data.statuses, total: data.total_count };
    }),
  );
  const results: CheckResult[] = [];
  for (const run of runs) {
    if (run.app?.id === excluded.appId) continue;
    if (excluded.checkSuiteId !== null && run.check_suite?.id === excluded.checkSuiteId) continue;
    const state =
      run.status !== 'completed' ? 'pending' : PASSING.has(run.conclusion ?? '') ? 'success' : 'failure';
    results.push({
      name: run.name,
      state,
      conclusion: run.status === 'completed' ? run.conclusion : run.status,
      source: run.app?.slug ?? 'unknown',
    });
  }
  for (const s of statuses) {
    const state = s.state === 'success' ? 'success' : s.state === 'pending' ? 'pending' : 'failure';
    results.push({ name: s.context, state, conclusion: s.state, source: 'statuses' });
  }
  return results;
}

/** A review as the pull request evidence needs it. */
export interface ReviewRead {
  id: number;
  login: string;
  userId: number;
  state: string;
  submittedAt: number | null;
  /** The commit the review was of. */
  commitId: string | null;
}

/** The merged pull request whose merge commit is `sha` (into `baseBranch`), with its reviews; null: none. */
export async function mergedPullOf(
  kit: Kit,
  at: Repo,
  sha: string,
  baseBranch: string | null,
): Promise<{
  number: number;
  author: string;
  authorId: number;
  mergedAt: number;
  headSha: string;
  reviews: ReviewRead[];
} | null> {
  const where = `${at.owner}/${at.repo}@${sha.slice(0, 7)}`;
  const pulls = await call(`listing the pull requests of ${where}`, async () => {
    const { data } = await kit.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', {
      ...at,
      commit_sha: sha,
      per_page: 100,
    });
    return data;
  });
  const pull = pulls.find(
    (p) => p.merged_at && p.merge_commit_sha === sha && (baseBranch === null || p.base.ref === baseBranch),
  );
  if (!pull || !pull.user) return null;
  const reviews = await pages(`reviews of pull request #${pull.number}`, (page) =>
    call(`listing the reviews of ${at.owner}/${at.repo}#${pull.number}`, async () => {
      const { data } = await kit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
        ...at,
        pull_number: pull.number,
        per_page: 100,
        page,
      });
      return { items: data };
    }),
  );
  return {
    number: pull.number,
    author: pull.user.login,
    authorId: Number(pull.user.id),
    mergedAt: Date.parse(pull.merged_at!),
    headSha: pull.head.sha,
    reviews: reviews
      .filter((r) => r.user)
      .map((r) => ({
        id: Number(r.id),
        login: r.user!.login,
        userId: Number(r.user!.id),
        state: r.state,
        submittedAt: r.submitted_at ? Date.parse(r.submitted_at) : null,
        commitId: r.commit_id,
      })),
  };
}

/** The files changed from `base` to `head`, with lines changed; throws when GitHub cannot list them all. */
export async function compareCommits(
  kit: Kit,
  at: Repo,
  base: string,
  head: string,
): Promise<{ path: string; lines: number }[]> {
  const what = `${at.owner}/${at.repo} ${base.slice(0, 7)}...${head.slice(0, 7)}`;
  const data = await call(`comparing ${what}`, async () => {
    const { data } = await kit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
      ...at,
      basehead: `${base}...${head}`,
      per_page: 1,
    });
    return data;
  });
  if (data.status !== 'ahead' && data.status !== 'identical')
    throw new AppError(
      'unavailable',
      `comparing ${what}: the commit is not a descendant of the last approved one (GitHub says ${data.status})`,
    );
  const files = data.files ?? [];
  if (files.length >= COMPARE_FILES)
    throw new AppError(
      'unavailable',
      `comparing ${what}: ${COMPARE_FILES} files or more, too large to read in full`,
    );
  // A file renamed (or copied) is a change to both paths: a rename into `docs/` is not docs-only.
  return files.flatMap((f) => [
    { path: f.filename, lines: f.additions + f.deletions },
    ...(f.previous_filename && f.previous_filename !== f.filename
      ? [{ path: f.previous_filename, lines: 0 }]
      : []),
  ]);
}

/** Whether GitHub verified the commit's signature. */
export async function commitVerified(kit: Kit, at: Repo, sha: string): Promise<boolean> {
  return call(`reading commit ${at.owner}/${at.repo}@${sha.slice(0, 7)}`, async () => {
    const { data } = await kit.request('GET /repos/{owner}/{repo}/commits/{ref}', {
      ...at,
      ref: sha,
      per_page: 1,
    });
    return data.commit.verification?.verified === true;
  });
}
