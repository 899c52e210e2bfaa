// Evidence about a commit: its combined status, the pull requests it belongs to and their reviews,
// a comparison of two commits (GitHub lists at most 300 files), and a commit with its verification.
import { resolveRef } from './routes-contents.ts';
import { pullRequest, userOf } from './resources.ts';
import { fail, type Reply, type Route, type RouteContext } from './route-kit.ts';
import type { SimRepo } from './world.ts';

type Json = Record<string, unknown>;
/** GitHub's compare lists at most this many files. */
const COMPARE_FILES = 300;

/** `per_page` (default 30, at most 100) and `page` (from 1) of a list. */
function pageOf<T>(ctx: RouteContext, items: readonly T[]): T[] {
  const perPage = Math.min(Number(ctx.query.get('per_page') ?? 30), 100);
  const page = Number(ctx.query.get('page') ?? 1);
  return items.slice((page - 1) * perPage, page * perPage);
}

function combinedStatus(ctx: RouteContext): Reply {
  const sha = resolveRef(ctx.repo, ctx.params.ref!) ?? ctx.params.ref!;
  if (!ctx.repo.commits.has(sha)) return fail(404, `No commit found for SHA: ${ctx.params.ref}`);
  const latest = new Map<string, (typeof ctx.repo.statuses)[number]>();
  for (const s of ctx.repo.statuses.filter((x) => x.sha === sha)) latest.set(s.context, s);
  const all = [...latest.values()];
  // GitHub: failure if any is failure or error, pending if any is pending (or there are none), else success.
  const state = all.some((s) => s.state === 'failure' || s.state === 'error')
    ? 'failure'
    : all.length === 0 || all.some((s) => s.state === 'pending')
      ? 'pending'
      : 'success';
  const full = `${ctx.repo.owner}/${ctx.repo.name}`;
  const statuses = pageOf(ctx, all).map((s) =>
    ctx.synth.build('simple-commit-status', {
      id: s.id,
      node_id: `SC_${s.id}`,
      state: s.state,
      context: s.context,
      description: s.description,
      target_url: null,
      avatar_url: null,
      url: `${ctx.baseUrl}/repos/${full}/statuses/${sha}`,
      created_at: s.createdAt,
      updated_at: s.createdAt,
      required: false,
    }),
  );
  return {
    status: 200,
    body: ctx.synth.build('combined-commit-status', {
      state,
      statuses,
      sha,
      total_count: all.length,
      repository: ctx.synth.build('minimal-repository', {
        id: ctx.repo.id,
        node_id: `R_${ctx.repo.id}`,
        name: ctx.repo.name,
        full_name: full,
        owner: userOf(ctx, ctx.repo.owner),
        private: ctx.repo.private,
      }),
      commit_url: `${ctx.baseUrl}/repos/${full}/commits/${sha}`,
      url: `${ctx.baseUrl}/repos/${full}/commits/${sha}/status`,
    }),
  };
}

function pullsOfCommit(ctx: RouteContext): Reply {
  const sha = ctx.params.commit_sha!;
  const pulls = [...ctx.repo.pulls.values()].filter((p) => p.headSha === sha || p.merged?.sha === sha);
  return {
    status: 200,
    body: pageOf(ctx, pulls).map((p) => pullRequest(ctx, ctx.repo, p, 'pull-request-simple')),
  };
}

function reviews(ctx: RouteContext): Reply {
  const pull = ctx.repo.pulls.get(Number(ctx.params.pull_number));
  if (!pull) return fail(404, 'Not Found');
  const full = `${ctx.repo.owner}/${ctx.repo.name}`;
  const body = pageOf(ctx, pull.reviews ?? []).map((r) =>
    ctx.synth.build('pull-request-review', {
      id: r.id,
      node_id: `PRR_${r.id}`,
      user: userOf(ctx, r.user),
      body: '',
      state: r.state,
      html_url: `https://github.com/${full}/pull/${pull.number}#pullrequestreview-${r.id}`,
      pull_request_url: `${ctx.baseUrl}/repos/${full}/pulls/${pull.number}`,
      _links: {
        html: { href: `https://github.com/${full}/pull/${pull.number}#pullrequestreview-${r.id}` },
        pull_request: { href: `${ctx.baseUrl}/repos/${full}/pulls/${pull.number}` },
      },
      submitted_at: r.submittedAt,
      commit_id: r.commitId,
      author_association: 'MEMBER',
    }),
  );
  return { status: 200, body };
}

/** The commits from `base` (exclusive) to `head` (inclusive) along head's parents; null: base is not an ancestor. */
function path(repo: SimRepo, base: string, head: string): string[] | null {
  const out: string[] = [];
  for (let at: string | null | undefined = head; at; at = repo.parents.get(at)) {
    if (at === base) return out.reverse();
    out.push(at);
  }
  return null;
}

/** Lines added and removed between two texts, counted as GitHub's diff stat does for whole-line changes (a multiset of lines). */
function lineChanges(
  before: string | undefined,
  after: string | undefined,
): { additions: number; deletions: number } {
  const count = (text: string | undefined) => {
    const m = new Map<string, number>();
    for (const line of text === undefined || text === '' ? [] : text.replace(/\n$/, '').split('\n'))
      m.set(line, (m.get(line) ?? 0) + 1);
    return m;
  };
  const a = count(before);
  const b = count(after);
  let additions = 0;
  let deletions = 0;
  for (const [line, n] of b) additions += Math.max(0, n - (a.get(line) ?? 0));
  for (const [line, n] of a) deletions += Math.max(0, n - (b.get(line) ?? 0));
  return { additions, deletions };
}

function diffEntries(ctx: RouteContext, base: string, head: string): Json[] {
  const from = ctx.repo.commits.get(base)!;
  const to = ctx.repo.commits.get(head)!;
  const names = [...new Set([...from.keys(), ...to.keys()])].sort();
  const full = `${ctx.repo.owner}/${ctx.repo.name}`;
  return names
    .filter((n) => from.get(n) !== to.get(n))
    .map((filename) => {
      const { additions, deletions } = lineChanges(from.get(filename), to.get(filename));
      return ctx.synth.build('diff-entry', {
        sha: head,
        filename,
        status: !from.has(filename) ? 'added' : !to.has(filename) ? 'removed' : 'modified',
        additions,
        deletions,
        changes: additions + deletions,
        blob_url: `https://github.com/${full}/blob/${head}/${filename}`,
        raw_url: `https://github.com/${full}/raw/${head}/${filename}`,
        contents_url: `${ctx.baseUrl}/repos/${full}/contents/${filename}?ref=${head}`,
      });
    });
}

function commitBody(ctx: RouteContext, sha: string, files?: Json[]): Json {
  const full = `${ctx.repo.owner}/${ctx.repo.name}`;
  const parent = ctx.repo.parents.get(sha) ?? null;
  const v = ctx.repo.verified.get(sha) ?? { verified: false, reason: 'unsigned' };
  const who = { name: ctx.repo.owner, email: `${ctx.repo.owner}@example.test`, date: '2026-01-01T00:00:00Z' };
  const entries = files ?? (parent ? diffEntries(ctx, parent, sha) : []);
  const additions = entries.reduce((n, f) => n + (f.additions as number), 0);
  const deletions = entries.reduce((n, f) => n + (f.deletions as number), 0);
  return ctx.synth.build('commit', {
    sha,
    node_id: `C_${sha}`,
    url: `${ctx.baseUrl}/repos/${full}/commits/${sha}`,
    html_url: `https://github.com/${full}/commit/${sha}`,
    comments_url: `${ctx.baseUrl}/repos/${full}/commits/${sha}/comments`,
    commit: {
      url: `${ctx.baseUrl}/repos/${full}/git/commits/${sha}`,
      author: who,
      committer: who,
      message: `commit ${sha.slice(0, 7)}`,
      comment_count: 0,
      tree: { sha, url: `${ctx.baseUrl}/repos/${full}/git/trees/${sha}` },
      verification: {
        verified: v.verified,
        reason: v.reason,
        signature: v.verified ? '-----BEGIN PGP SIGNATURE-----' : null,
        payload: v.verified ? `tree ${sha}` : null,
        verified_at: v.verified ? '2026-01-01T00:00:00Z' : null,
      },
    },
    author: null,
    committer: null,
    parents: parent
      ? [
          {
            sha: parent,
            url: `${ctx.baseUrl}/repos/${full}/commits/${parent}`,
            html_url: `https://github.com/${full}/commit/${parent}`,
          },
        ]
      : [],
    stats: { additions, deletions, total: additions + deletions },
    files: entries,
  });
}

function compare(ctx: RouteContext): Reply {
  const m = /^(.+?)\.\.\.(.+)$/.exec(ctx.params.basehead!);
  if (!m) return fail(404, 'Not Found');
  const base = resolveRef(ctx.repo, m[1]!) ?? m[1]!;
  const head = resolveRef(ctx.repo, m[2]!) ?? m[2]!;
  if (!ctx.repo.commits.has(base) || !ctx.repo.commits.has(head)) return fail(404, 'Not Found');
  const ahead = path(ctx.repo, base, head);
  const behind = ahead === null ? path(ctx.repo, head, base) : [];
  const status = base === head ? 'identical' : ahead ? 'ahead' : behind ? 'behind' : 'diverged';
  const commits = (ahead ?? []).map((sha) => commitBody(ctx, sha, []));
  const full = `${ctx.repo.owner}/${ctx.repo.name}`;
  const files = status === 'ahead' ? diffEntries(ctx, base, head).slice(0, COMPARE_FILES) : [];
  return {
    status: 200,
    body: ctx.synth.build('commit-comparison', {
      url: `${ctx.baseUrl}/repos/${full}/compare/${base}...${head}`,
      html_url: `https://github.com/${full}/compare/${base}...${head}`,
      permalink_url: `https://github.com/${full}/compare/${base}...${head}`,
      diff_url: `https://github.com/${full}/compare/${base}...${head}.diff`,
      patch_url: `https://github.com/${full}/compare/${base}...${head}.patch`,
      base_commit: commitBody(ctx, base, []),
      merge_base_commit: commitBody(ctx, base, []),
      status,
      ahead_by: ahead?.length ?? 0,
      behind_by: behind?.length ?? 0,
      total_commits: commits.length,
      commits: pageOf(ctx, commits),
      files,
    }),
  };
}

function getCommit(ctx: RouteContext): Reply {
  const sha = resolveRef(ctx.repo, ctx.params.ref!) ?? ctx.params.ref!;
  if (!ctx.repo.commits.has(sha)) return fail(422, `No commit found for SHA: ${ctx.params.ref}`);
  return { status: 200, body: commitBody(ctx, sha) };
}

export const evidenceRoutes = {
  'repos/get-combined-status-for-ref': {
    auth: { permission: 'statuses', level: 'read', scope: 'repo' },
    handle: combinedStatus,
  },
  'repos/list-pull-requests-associated-with-commit': {
    auth: { permission: 'pull_requests', level: 'read', scope: 'repo' },
    handle: pullsOfCommit,
  },
  'pulls/list-reviews': {
    auth: { permission: 'pull_requests', level: 'read', scope: 'repo' },
    handle: reviews,
  },
  'repos/compare-commits-with-basehead': {
    auth: { permission: 'contents', level: 'read', scope: 'repo' },
    handle: compare,
  },
  'repos/get-commit': { auth: { permission: 'contents', level: 'read', scope: 'repo' }, handle: getCommit },
} satisfies Record<string, Route>;
