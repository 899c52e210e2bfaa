// What each served operation does to the simulated world and answers.
import { manifestRoutes } from './app-manifests.ts';
import { covers, newInstallationToken, tokenHash } from './auth.ts';
import { checkRunRoutes } from './routes-checks.ts';
import { compareRoutes } from './routes-compare.ts';
import { evidenceRoutes } from './routes-evidence.ts';
import { checkSuiteRoutes } from './routes-suites.ts';
import { commentRoutes } from './routes-comments.ts';
import { contentRoutes } from './routes-contents.ts';
import { userRoutes } from './routes-users.ts';
import { pullRequest, repository, userOf } from './resources.ts';
import { fail, iso, type Reply, type Route, type RouteContext } from './route-kit.ts';
import type { OperationId } from './spec.ts';
import type { Permissions, SimInstallation, SimRun } from './world.ts';

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
    revocations: 0,
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

/** GitHub's installation object for one of the world's installations. */
function installationBody(ctx: RouteContext, installation: SimInstallation): Json {
  return ctx.synth.build('installation', {
    id: installation.id,
    account: userOf(ctx, installation.account),
    repository_selection: installation.repositories === 'all' ? 'all' : 'selected',
    access_tokens_url: `${ctx.baseUrl}/app/installations/${installation.id}/access_tokens`,
    app_id: ctx.world.app.id,
    app_slug: ctx.world.app.slug,
    target_type: ctx.world.user(installation.account)?.type === 'User' ? 'User' : 'Organization',
    permissions: installation.permissions,
    events: ctx.world.app.events,
  });
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
      return { status: 200, body: installationBody(ctx, installation) };
    },
  },
  'apps/list-installations': {
    auth: 'app',
    handle: (ctx) => {
      // GitHub pages it: per_page (default 30, at most 100) and page (from 1).
      const perPage = Math.min(Number(ctx.query.get('per_page') ?? 30), 100);
      const page = Number(ctx.query.get('page') ?? 1);
      const all = [...ctx.world.installations.values()];
      const body = all.slice((page - 1) * perPage, page * perPage).map((i) => {
        const installation = installationBody(ctx, i);
        // This operation's description gives `account` as allOf [simple-user, enterprise] (the
        // installation schema says anyOf): the enterprise's required fields are added to match it.
        const account = installation.account as Json;
        const created = iso(new Date(Date.UTC(2020, 0, 1)));
        installation.account = {
          ...account,
          name: i.account,
          slug: i.account,
          created_at: created,
          updated_at: created,
        };
        return installation;
      });
      return { status: 200, body };
    },
  },
  'apps/create-installation-access-token': { auth: 'app', handle: mintToken },
  'apps/revoke-installation-access-token': {
    auth: { permission: 'metadata', level: 'read', scope: 'token' },
    handle: (ctx) => {
      ctx.token!.revoked = true;
      ctx.token!.revocations++;
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
  'actions/get-job-for-workflow-run': {
    auth: { permission: 'actions', level: 'read', scope: 'repo' },
    handle: (ctx) => {
      const job = ctx.world.jobs.get(Number(ctx.params.job_id));
      if (!job || job.repoId !== ctx.repo.id) return fail(404, 'Not Found');
      const full = `${ctx.repo.owner}/${ctx.repo.name}`;
      const runUrl = `${ctx.baseUrl}/repos/${full}/actions/runs/${job.runId}`;
      const body = ctx.synth.build('job', {
        id: job.id,
        node_id: `CR_${job.id}`,
        run_id: job.runId,
        run_attempt: job.runAttempt,
        run_url: runUrl,
        head_sha: job.headSha,
        head_branch: job.headBranch,
        workflow_name: job.workflowName,
        name: job.name,
        url: `${ctx.baseUrl}/repos/${full}/actions/jobs/${job.id}`,
        html_url: `https://github.com/${full}/actions/runs/${job.runId}/job/${job.id}`,
        status: job.status,
        conclusion: job.conclusion,
        started_at: job.startedAt,
        completed_at: job.completedAt,
        created_at: job.startedAt,
        check_run_url: `${ctx.baseUrl}/repos/${full}/check-runs/${job.id}`,
        labels: ['ubuntu-latest'],
        steps: [],
        runner_id: 1,
        runner_name: `GitHub Actions ${job.id}`,
        runner_group_id: 0,
        runner_group_name: 'GitHub Actions',
      });
      return { status: 200, body };
    },
  },
  'actions/get-workflow-run': {
    auth: { permission: 'actions', level: 'read', scope: 'repo' },
    handle: (ctx) => {
      const run = ctx.world.runs.get(Number(ctx.params.run_id));
      if (!run || run.repoId !== ctx.repo.id) return fail(404, 'Not Found');
      return { status: 200, body: runBody(ctx, run) };
    },
  },
  'actions/get-workflow-run-attempt': {
    auth: { permission: 'actions', level: 'read', scope: 'repo' },
    handle: (ctx) => {
      const run = ctx.world.runAttempts.get(`${ctx.params.run_id}:${ctx.params.attempt_number}`);
      if (!run || run.repoId !== ctx.repo.id) return fail(404, 'Not Found');
      return { status: 200, body: runBody(ctx, run) };
    },
  },
  'actions/get-pending-deployments-for-run': {
    auth: { permission: 'actions', level: 'read', scope: 'repo' },
    handle: (ctx) => {
      const run = ctx.world.runs.get(Number(ctx.params.run_id));
      if (!run || run.repoId !== ctx.repo.id) return fail(404, 'Not Found');
      const full = `${ctx.repo.owner}/${ctx.repo.name}`;
      const body = [...(run.waitingOn ?? [])].map((name, i) =>
        ctx.synth.build('pending-deployment', {
          environment: {
            id: i + 1,
            node_id: `EN_${i + 1}`,
            name,
            url: `${ctx.baseUrl}/repos/${full}/environments/${name}`,
            html_url: `https://github.com/${full}/deployments/activity_log?environments_filter=${name}`,
          },
          wait_timer: 0,
          wait_timer_started_at: null,
          current_user_can_approve: false,
          reviewers: [],
        }),
      );
      return { status: 200, body };
    },
  },
  'actions/review-custom-gates-for-run': {
    auth: { permission: 'deployments', level: 'write', scope: 'repo' },
    handle: (ctx) => {
      const b = ctx.body as { environment_name?: string; state?: string; comment?: string };
      ctx.world.runs
        .get(Number(ctx.params.run_id))
        ?.waitingOn?.delete((b.environment_name ?? '').toLowerCase());
      ctx.repo.gateReviews.push({
        runId: Number(ctx.params.run_id),
        environment: b.environment_name ?? '',
        state: b.state ?? '',
        comment: b.comment ?? '',
        at: performance.now(),
      });
      return { status: 204 };
    },
  },
  ...contentRoutes,
  ...evidenceRoutes,
  ...compareRoutes,
  ...checkSuiteRoutes,
  ...checkRunRoutes,
  ...commentRoutes,
  ...userRoutes,
  ...manifestRoutes,
};

/** A run attempt as GitHub's `workflow-run` describes it. */
function runBody(ctx: RouteContext, run: SimRun) {
  const full = `${ctx.repo.owner}/${ctx.repo.name}`;
  const url = `${ctx.baseUrl}/repos/${full}/actions/runs/${run.id}`;
  const body = ctx.synth.build('workflow-run', {
    id: run.id,
    node_id: `WFR_${run.id}`,
    name: 'deploy',
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.path,
    run_number: run.id,
    run_attempt: run.attempt,
    display_title: 'deploy',
    event: run.event,
    status: 'in_progress',
    conclusion: null,
    workflow_id: 1,
    url,
    html_url: `https://github.com/${full}/actions/runs/${run.id}`,
    actor: userOf(ctx, run.actor),
    triggering_actor: userOf(ctx, run.triggeringActor),
    created_at: iso(ctx.now),
    updated_at: iso(ctx.now),
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${ctx.baseUrl}/repos/${full}/check-suites/${run.id}`,
    check_suite_id: run.id,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    artifacts_url: `${url}/artifacts`,
    workflow_url: `${ctx.baseUrl}/repos/${full}/actions/workflows/1`,
    pull_requests: [],
    head_commit: null,
    repository: repository(ctx, ctx.repo, 'minimal-repository'),
    head_repository: repository(ctx, run.headRepo ?? ctx.repo, 'minimal-repository'),
  });
  return body;
}
