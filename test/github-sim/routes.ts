// What each served operation does to the simulated world and answers.
import { covers, newInstallationToken, tokenHash } from './auth.ts';
import { checkRunRoutes } from './routes-checks.ts';
import { contentRoutes } from './routes-contents.ts';
import { pullRequest, repository, userOf } from './resources.ts';
import { fail, iso, type Reply, type Route, type RouteContext } from './route-kit.ts';
import type { OperationId } from './spec.ts';
import type { Permissions } from './world.ts';

type Json = Record<string, unknown>;

function mintToken(ctx: RouteContext): Reply {
  const installation = ctx.world.installations.get(Number(ctx.params.installation_id));
  if (!installation) return fail(404, 'Not Found');
  const requested = (ctx.body.permissions ?? installation.permissions) as Permissions;
  // GitHub grants metadata: read with any repository access.
  const asked: Permissions = { ...requested, metadata: requested.metadata ?? 'read' };
  for (const [name, level] of Object.entries(asked)) {
    if (!covers(installation.permissions, name, level)) {
      return fail(422, 'The permissions requested are not granted to this installation.');
    }
  }
  const names = ctx.body.repositories as string[] | undefined;
  const ids = ctx.body.repository_ids as number[] | undefined;
  let repositories: 'all' | number[] = installation.repositories;
  if (names || ids) {
    const wanted = [
      ...(names ?? []).map((n) => ctx.world.repo(`${installation.account}/${n}`)?.id ?? -1),
      ...(ids ?? []),
    ];
    const allowed = (id: number): boolean =>
      id !== -1 &&
      (installation.repositories === 'all'
        ? ctx.world.repoById(id)?.owner.toLowerCase() === installation.account.toLowerCase()
        : installation.repositories.includes(id));
    if (!wanted.every(allowed))
      return fail(
        422,
        'There is at least one repository that does not exist or is not accessible to the parent installation.',
      );
    repositories = wanted;
  }
  const token = newInstallationToken();
  const expiresAt = ctx.now.getTime() + 3_600_000;
  ctx.world.tokens.set(tokenHash(token), {
    hash: tokenHash(token),
    installationId: installation.id,
    repositories,
    permissions: { ...asked },
    expiresAt,
    revoked: false,
  });
  const body: Json = {
    token,
    expires_at: iso(new Date(expiresAt)),
    permissions: asked,
    repository_selection: repositories === 'all' ? 'all' : 'selected',
  };
  if (repositories !== 'all')
    body.repositories = repositories.map((id) => repository(ctx, ctx.world.repoById(id)!));
  return { status: 201, body: ctx.synth.build('installation-token', body) };
}

export const ROUTES: Record<OperationId, Route> = {
  'apps/get-authenticated': {
    auth: 'app',
    handle: (ctx) => {
      const app = ctx.world.app;
      const body = ctx.synth.build('integration', {
        id: app.id,
        slug: app.slug,
        name: app.name,
        owner: userOf(ctx, app.owner),
        permissions: app.permissions,
        events: app.events,
      });
      return { status: 200, body };
    },
  },
  'apps/get-repo-installation': {
    auth: 'app',
    handle: (ctx) => {
      const repo = ctx.world.repo(`${ctx.params.owner}/${ctx.params.repo}`);
      const installation = repo && ctx.world.installationFor(repo);
      if (!installation) return fail(404, 'Not Found');
      const body = ctx.synth.build('installation', {
        id: installation.id,
        account: userOf(ctx, installation.account),
        repository_selection: installation.repositories === 'all' ? 'all' : 'selected',
        access_tokens_url: `${ctx.baseUrl}/app/installations/${installation.id}/access_tokens`,
        app_id: ctx.world.app.id,
        app_slug: ctx.world.app.slug,
        target_type: 'Organization',
        permissions: installation.permissions,
        events: ctx.world.app.events,
      });
      return { status: 200, body };
    },
  },
  'apps/create-installation-access-token': { auth: 'app', handle: mintToken },
  'apps/revoke-installation-access-token': {
    auth: { permission: 'metadata', level: 'read', scope: 'token' },
    handle: (ctx) => {
      ctx.token!.revoked = true;
      return { status: 204 };
    },
  },
  'repos/get': {
    auth: { permission: 'metadata', level: 'read', scope: 'repo' },
    handle: (ctx) => ({ status: 200, body: repository(ctx, ctx.repo, 'full-repository') }),
  },
  'repos/get-collaborator-permission-level': {
    auth: { permission: 'metadata', level: 'read', scope: 'repo' },
    handle: (ctx) => {
      const login = ctx.params.username!;
      const user = ctx.world.user(login);
      if (!user) return fail(404, 'Not Found');
      const permission = ctx.repo.collaborators.get(login.toLowerCase()) ?? 'none';
      const body = ctx.synth.build('repository-collaborator-permission', {
        permission,
        role_name: permission,
        user: ctx.synth.build('collaborator', {
          ...userOf(ctx, user.login),
          permissions: {
            pull: permission !== 'none',
            push: permission === 'write' || permission === 'admin',
            admin: permission === 'admin',
          },
        }),
      });
      return { status: 200, body };
    },
  },
  'teams/get-membership-for-user-in-org': {
    auth: { permission: 'members', level: 'read', scope: 'org' },
    handle: (ctx) => {
      const team = ctx.world.teams.get(`${ctx.params.org}/${ctx.params.team_slug}`.toLowerCase());
      const member = team?.members.get(ctx.params.username!.toLowerCase());
      if (!team || !member) return fail(404, 'Not Found');
      const url = `${ctx.baseUrl}/organizations/${team.id}/team/${team.id}/memberships/${ctx.params.username}`;
      return { status: 200, body: { url, role: member.role, state: member.state } };
    },
  },
  'pulls/get': {
    auth: { permission: 'pull_requests', level: 'read', scope: 'repo' },
    handle: (ctx) => {
      const pull = ctx.repo.pulls.get(Number(ctx.params.pull_number));
      return pull ? { status: 200, body: pullRequest(ctx, ctx.repo, pull) } : fail(404, 'Not Found');
    },
  },
  'issues/create-comment': {
    auth: { permission: 'issues', level: 'write', scope: 'repo' },
    handle: (ctx) => {
      const issue = Number(ctx.params.issue_number);
      if (!ctx.repo.pulls.has(issue)) return fail(404, 'Not Found');
      const comment = {
        id: ctx.world.nextId(),
        issue,
        body: String(ctx.body.body),
        user: `${ctx.world.app.slug}[bot]`,
      };
      ctx.repo.comments.push(comment);
      const full = `${ctx.repo.owner}/${ctx.repo.name}`;
      const body = ctx.synth.build('issue-comment', {
        id: comment.id,
        body: comment.body,
        user: userOf(ctx, comment.user),
        url: `${ctx.baseUrl}/repos/${full}/issues/comments/${comment.id}`,
        html_url: `https://github.com/${full}/pull/${issue}#issuecomment-${comment.id}`,
        issue_url: `${ctx.baseUrl}/repos/${full}/issues/${issue}`,
        created_at: iso(ctx.now),
        updated_at: iso(ctx.now),
      });
      return { status: 201, body };
    },
  },
  'actions/review-custom-gates-for-run': {
    auth: { permission: 'deployments', level: 'write', scope: 'repo' },
    handle: (ctx) => {
      const b = ctx.body as { environment_name?: string; state?: string; comment?: string };
      ctx.repo.gateReviews.push({
        runId: Number(ctx.params.run_id),
        environment: b.environment_name ?? '',
        state: b.state ?? '',
        comment: b.comment ?? '',
      });
      return { status: 204 };
    },
  },
  ...contentRoutes,
  ...checkRunRoutes,
};
