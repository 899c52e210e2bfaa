// Comparing two commits (three dots: from their merge base to head; GitHub lists at most 300 files)
// and one commit with its files, stats and signature verification.
import { diffEntries } from './line-diff.ts';
import { resolveRef } from './routes-contents.ts';
import { fail, pageOf, type Reply, type Route, type RouteContext } from './route-kit.ts';
import type { SimRepo } from './world.ts';

type Json = Record<string, unknown>;
/** GitHub's compare lists at most this many files (FACTS.md). */
export const COMPARE_FILES = 300;

const parentsOf = (repo: SimRepo, sha: string): string[] =>
  [repo.parents.get(sha), repo.mergeParents.get(sha)].filter((p): p is string => !!p);

/** `sha` and every commit it descends from, nearest first (breadth first over both parents). */
function ancestry(repo: SimRepo, sha: string): string[] {
  const seen = new Set([sha]);
  const queue = [sha];
  for (let i = 0; i < queue.length; i++)
    for (const p of parentsOf(repo, queue[i]!))
      if (!seen.has(p)) {
        seen.add(p);
        queue.push(p);
      }
  return queue;
}

function commitBody(ctx: RouteContext, sha: string, files?: Json[]): Json {
  const full = `${ctx.repo.owner}/${ctx.repo.name}`;
  const parents = parentsOf(ctx.repo, sha);
  const v = ctx.repo.verified.get(sha) ?? { verified: false, reason: 'unsigned' };
  const who = { name: ctx.repo.owner, email: `${ctx.repo.owner}@example.test`, date: '2026-01-01T00:00:00Z' };
  // A commit's files are its changes from its first parent, as GitHub lists them.
  const entries = files ?? (parents[0] ? diffEntries(ctx, parents[0], sha) : []);
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
    parents: parents.map((p) => ({
      sha: p,
      url: `${ctx.baseUrl}/repos/${full}/commits/${p}`,
      html_url: `https://github.com/${full}/commit/${p}`,
    })),
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
  const ofBase = ancestry(ctx.repo, base);
  const ofHead = ancestry(ctx.repo, head);
  const mergeBase = ofHead.find((c) => ofBase.includes(c));
  if (!mergeBase) return fail(404, `No common ancestor between ${m[1]} and ${m[2]}.`);
  // Oldest first, as GitHub lists a comparison's commits.
  const ahead = ofHead.filter((c) => !ofBase.includes(c)).reverse();
  const behind = ofBase.filter((c) => !ofHead.includes(c));
  const status =
    ahead.length === 0
      ? behind.length === 0
        ? 'identical'
        : 'behind'
      : behind.length === 0
        ? 'ahead'
        : 'diverged';
  const full = `${ctx.repo.owner}/${ctx.repo.name}`;
  const link = `https://github.com/${full}/compare/${base}...${head}`;
  return {
    status: 200,
    body: ctx.synth.build('commit-comparison', {
      url: `${ctx.baseUrl}/repos/${full}/compare/${base}...${head}`,
      html_url: link,
      permalink_url: link,
      diff_url: `${link}.diff`,
      patch_url: `${link}.patch`,
      base_commit: commitBody(ctx, base, []),
      merge_base_commit: commitBody(ctx, mergeBase, []),
      status,
      ahead_by: ahead.length,
      behind_by: behind.length,
      total_commits: ahead.length,
      commits: pageOf(ctx, ahead).map((sha) => commitBody(ctx, sha, [])),
      files: diffEntries(ctx, mergeBase, head).slice(0, COMPARE_FILES),
    }),
  };
}

function getCommit(ctx: RouteContext): Reply {
  const sha = resolveRef(ctx.repo, ctx.params.ref!) ?? ctx.params.ref!;
  if (!ctx.repo.commits.has(sha)) return fail(422, `No commit found for SHA: ${ctx.params.ref}`);
  return { status: 200, body: commitBody(ctx, sha) };
}

export const compareRoutes = {
  'repos/compare-commits-with-basehead': {
    auth: { permission: 'contents', level: 'read', scope: 'repo' },
    handle: compare,
  },
  'repos/get-commit': { auth: { permission: 'contents', level: 'read', scope: 'repo' }, handle: getCommit },
} satisfies Record<string, Route>;
