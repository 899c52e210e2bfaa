// Evidence about a commit: its combined status (and posting a status, as a CI does), the pull
// requests it belongs to and their reviews.
import { resolveRef } from './routes-contents.ts';
import { pullRequest, userOf } from './resources.ts';
import { fail, pageOf, type Reply, type Route, type RouteContext } from './route-kit.ts';
import type { SimStatus } from './world.ts';

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

function createStatus(ctx: RouteContext): Reply {
  const sha = ctx.params.sha!;
  if (!ctx.repo.commits.has(sha)) return fail(422, `No commit found for SHA: ${sha}`);
  const login = ctx.world.app.slug + '[bot]';
  const status = ctx.world.setStatus(ctx.repo, sha, {
    context: typeof ctx.body.context === 'string' ? ctx.body.context : 'default',
    state: ctx.body.state as SimStatus['state'],
    ...(typeof ctx.body.description === 'string' && { description: ctx.body.description }),
    creator: login,
  });
  const full = `${ctx.repo.owner}/${ctx.repo.name}`;
  return {
    status: 201,
    body: ctx.synth.build('status', {
      id: status.id,
      node_id: `SC_${status.id}`,
      url: `${ctx.baseUrl}/repos/${full}/statuses/${sha}`,
      avatar_url: null,
      state: status.state,
      description: status.description,
      target_url: typeof ctx.body.target_url === 'string' ? ctx.body.target_url : null,
      context: status.context,
      created_at: status.createdAt,
      updated_at: status.createdAt,
      creator: userOf(ctx, login),
    }),
  };
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
  'repos/create-commit-status': {
    auth: { permission: 'statuses', level: 'write', scope: 'repo' },
    handle: createStatus,
  },
} satisfies Record<string, Route>;
