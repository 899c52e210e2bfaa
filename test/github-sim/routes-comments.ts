// Conversations: issue and pull request comments, commit comments, issues, and reactions.
import { nodeId, userOf, type Resources } from './resources.ts';
import { fail, iso, type Reply, type Route, type RouteContext } from './route-kit.ts';
import type { SimComment, SimCommitComment, SimIssue, SimRepo } from './world.ts';

type Json = Record<string, unknown>;
const REACTIONS = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'];

const full = (repo: SimRepo): string => `${repo.owner}/${repo.name}`;
const botLogin = (ctx: RouteContext): string => `${ctx.world.app.slug}[bot]`;

function reactionRollup(r: Resources, url: string, reactions: SimComment['reactions']): Json {
  const count = (c: string) => reactions.filter((x) => x.content === c).length;
  return {
    url,
    total_count: reactions.length,
    '+1': count('+1'),
    '-1': count('-1'),
    laugh: count('laugh'),
    confused: count('confused'),
    heart: count('heart'),
    hooray: count('hooray'),
    eyes: count('eyes'),
    rocket: count('rocket'),
  };
}

export function issueComment(r: Resources, repo: SimRepo, c: SimComment): Json {
  const url = `${r.baseUrl}/repos/${full(repo)}/issues/comments/${c.id}`;
  const kind = repo.pulls.has(c.issue) ? 'pull' : 'issues';
  return r.synth.build('issue-comment', {
    id: c.id,
    node_id: nodeId('IssueComment', c.id),
    body: c.body,
    user: userOf(r, c.user),
    url,
    html_url: `https://github.com/${full(repo)}/${kind}/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${r.baseUrl}/repos/${full(repo)}/issues/${c.issue}`,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: 'NONE',
    reactions: reactionRollup(r, `${url}/reactions`, c.reactions),
  });
}

export function commitComment(r: Resources, repo: SimRepo, c: SimCommitComment): Json {
  const url = `${r.baseUrl}/repos/${full(repo)}/comments/${c.id}`;
  return r.synth.build('commit-comment', {
    id: c.id,
    node_id: nodeId('CommitComment', c.id),
    body: c.body,
    user: userOf(r, c.user),
    url,
    html_url: `https://github.com/${full(repo)}/commit/${c.commitId}#commitcomment-${c.id}`,
    commit_id: c.commitId,
    path: null,
    position: null,
    line: null,
    author_association: 'NONE',
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    reactions: reactionRollup(r, `${url}/reactions`, c.reactions),
  });
}

export function issue(r: Resources, repo: SimRepo, i: SimIssue): Json {
  const url = `${r.baseUrl}/repos/${full(repo)}/issues/${i.number}`;
  return r.synth.build('issue', {
    id: 900_000 + i.number,
    node_id: nodeId('Issue', i.number),
    number: i.number,
    title: i.title,
    body: i.body,
    user: userOf(r, i.user),
    state: i.state,
    locked: false,
    assignee: i.assignees[0] ? userOf(r, i.assignees[0]) : null,
    assignees: i.assignees.map((a) => userOf(r, a)),
    labels: i.labels.map((name, n) => ({
      id: n + 1,
      node_id: `L_${n}`,
      url: `${url}/labels/${name}`,
      name,
      color: 'ededed',
      default: false,
      description: null,
    })),
    milestone: null,
    comments: repo.comments.filter((c) => c.issue === i.number).length,
    url,
    repository_url: `${r.baseUrl}/repos/${full(repo)}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `https://github.com/${full(repo)}/issues/${i.number}`,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
    author_association: 'NONE',
  });
}

/** One page of a list, as GitHub pages it (`per_page`, default 30, at most 100; `page` from 1). */
function page<T>(ctx: RouteContext, all: readonly T[]): T[] {
  const per = Math.min(100, Number(ctx.query.get('per_page') ?? 30) || 30);
  const n = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
  return all.slice((n - 1) * per, n * per);
}

/** Assignees must be users who exist (GitHub drops or refuses others; here: refused). */
function assignees(ctx: RouteContext): string[] | Reply {
  const wanted = ctx.body.assignees as string[] | undefined;
  if (wanted === undefined) return [];
  const unknown = wanted.filter((a) => !ctx.world.user(a));
  return unknown.length > 0 ? fail(422, `Invalid assignees: ${unknown.join(', ')}`) : wanted;
}

function react<T extends { reactions: SimComment['reactions'] }>(
  ctx: RouteContext,
  target: T | undefined,
): Reply {
  if (!target) return fail(404, 'Not Found');
  const content = String(ctx.body.content);
  if (!REACTIONS.includes(content)) return fail(422, 'Validation Failed');
  const user = botLogin(ctx);
  const existing = target.reactions.find((x) => x.content === content && x.user === user);
  if (!existing) target.reactions.push({ content, user });
  const body = ctx.synth.build('reaction', {
    id: ctx.world.nextId(),
    node_id: `REA_${content}`,
    user: userOf(ctx, user),
    content,
    created_at: iso(ctx.now),
  });
  return { status: existing ? 200 : 201, body };
}

export const commentRoutes = {
  'issues/list-comments': {
    auth: { permission: 'issues', level: 'read', scope: 'repo' },
    handle: (ctx) => {
      const number = Number(ctx.params.issue_number);
      const all = ctx.repo.comments.filter((c) => c.issue === number);
      return { status: 200, body: page(ctx, all).map((c) => issueComment(ctx, ctx.repo, c)) };
    },
  },
  'repos/list-comments-for-commit': {
    auth: { permission: 'contents', level: 'read', scope: 'repo' },
    handle: (ctx) => {
      const all = ctx.repo.commitComments.filter((c) => c.commitId === ctx.params.commit_sha);
      return { status: 200, body: page(ctx, all).map((c) => commitComment(ctx, ctx.repo, c)) };
    },
  },
  'issues/list-for-repo': {
    auth: { permission: 'issues', level: 'read', scope: 'repo' },
    handle: (ctx) => {
      const state = ctx.query.get('state') ?? 'open';
      const all = [...ctx.repo.issues.values()].filter((i) => state === 'all' || i.state === state);
      const newest = ctx.query.get('direction') !== 'asc';
      const sorted = [...all].sort((a, b) => (newest ? b.number - a.number : a.number - b.number));
      return { status: 200, body: page(ctx, sorted).map((i) => issue(ctx, ctx.repo, i)) };
    },
  },
  'issues/create-comment': {
    auth: { permission: 'issues', level: 'write', scope: 'repo' },
    handle: (ctx) => {
      const number = Number(ctx.params.issue_number);
      if (!ctx.repo.pulls.has(number) && !ctx.repo.issues.has(number)) return fail(404, 'Not Found');
      const stamp = iso(ctx.now);
      const comment: SimComment = {
        id: ctx.world.nextId(),
        issue: number,
        body: String(ctx.body.body),
        user: botLogin(ctx),
        createdAt: stamp,
        updatedAt: stamp,
        reactions: [],
      };
      ctx.repo.comments.push(comment);
      return { status: 201, body: issueComment(ctx, ctx.repo, comment) };
    },
  },
  'issues/update-comment': {
    auth: { permission: 'issues', level: 'write', scope: 'repo' },
    handle: (ctx) => {
      const comment = ctx.repo.comments.find((c) => c.id === Number(ctx.params.comment_id));
      if (!comment) return fail(404, 'Not Found');
      if (comment.user !== botLogin(ctx)) return fail(403, 'Resource not accessible by integration');
      comment.body = String(ctx.body.body);
      comment.updatedAt = iso(ctx.now);
      return { status: 200, body: issueComment(ctx, ctx.repo, comment) };
    },
  },
  'reactions/create-for-issue-comment': {
    auth: { permission: 'issues', level: 'write', scope: 'repo' },
    handle: (ctx) =>
      react(
        ctx,
        ctx.repo.comments.find((c) => c.id === Number(ctx.params.comment_id)),
      ),
  },
  'repos/create-commit-comment': {
    auth: { permission: 'contents', level: 'write', scope: 'repo' },
    handle: (ctx) => {
      const sha = ctx.params.commit_sha!;
      if (!ctx.repo.commits.has(sha))
        return fail(422, 'Validation Failed', {
          errors: [{ resource: 'CommitComment', field: 'commit_id', code: 'invalid' }],
        });
      const stamp = iso(ctx.now);
      const comment: SimCommitComment = {
        id: ctx.world.nextId(),
        commitId: sha,
        body: String(ctx.body.body),
        user: botLogin(ctx),
        createdAt: stamp,
        updatedAt: stamp,
        reactions: [],
      };
      ctx.repo.commitComments.push(comment);
      return { status: 201, body: commitComment(ctx, ctx.repo, comment) };
    },
  },
  'repos/update-commit-comment': {
    auth: { permission: 'contents', level: 'write', scope: 'repo' },
    handle: (ctx) => {
      const comment = ctx.repo.commitComments.find((c) => c.id === Number(ctx.params.comment_id));
      if (!comment) return fail(404, 'Not Found');
      if (comment.user !== botLogin(ctx)) return fail(403, 'Resource not accessible by integration');
      comment.body = String(ctx.body.body);
      comment.updatedAt = iso(ctx.now);
      return { status: 200, body: commitComment(ctx, ctx.repo, comment) };
    },
  },
  'reactions/create-for-commit-comment': {
    auth: { permission: 'contents', level: 'write', scope: 'repo' },
    handle: (ctx) =>
      react(
        ctx,
        ctx.repo.commitComments.find((c) => c.id === Number(ctx.params.comment_id)),
      ),
  },
  'issues/create': {
    auth: { permission: 'issues', level: 'write', scope: 'repo' },
    handle: (ctx) => {
      const people = assignees(ctx);
      if (!Array.isArray(people)) return people;
      const stamp = iso(ctx.now);
      const created: SimIssue = {
        number: ctx.world.nextNumber(ctx.repo),
        title: String(ctx.body.title),
        body: String(ctx.body.body ?? ''),
        user: botLogin(ctx),
        state: 'open',
        assignees: people,
        labels: ((ctx.body.labels as string[] | undefined) ?? []).map(String),
        createdAt: stamp,
        updatedAt: stamp,
        closedAt: null,
      };
      ctx.repo.issues.set(created.number, created);
      return { status: 201, body: issue(ctx, ctx.repo, created) };
    },
  },
  'issues/update': {
    auth: { permission: 'issues', level: 'write', scope: 'repo' },
    handle: (ctx) => {
      const found = ctx.repo.issues.get(Number(ctx.params.issue_number));
      if (!found) return fail(404, 'Not Found');
      if (ctx.body.assignees !== undefined) {
        const people = assignees(ctx);
        if (!Array.isArray(people)) return people;
        found.assignees = people;
      }
      if (typeof ctx.body.title === 'string') found.title = ctx.body.title;
      if (typeof ctx.body.body === 'string') found.body = ctx.body.body;
      if (ctx.body.state === 'open' || ctx.body.state === 'closed') {
        found.state = ctx.body.state;
        found.closedAt = found.state === 'closed' ? iso(ctx.now) : null;
      }
      found.updatedAt = iso(ctx.now);
      return { status: 200, body: issue(ctx, ctx.repo, found) };
    },
  },
} satisfies Record<string, Route>;
