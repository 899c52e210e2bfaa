// Check runs: create, update, get, and list for a ref, with GitHub's checks on their content.
import { resolveRef } from './routes-contents.ts';
import { checkRun } from './resources.ts';
import { fail, iso, pageOf, type Reply, type Route, type RouteContext } from './route-kit.ts';
import { ACTIONS_APP_ID, type SimCheckRun } from './world.ts';

type Json = Record<string, unknown>;
const MAX_TEXT = 65_535;

/** GitHub's rules that its published schema does not spell out, checked as GitHub checks them. */
function problems(body: Json, run: Partial<SimCheckRun>): string[] {
  const out: string[] = [];
  const actions =
    (body.actions as { label?: string; identifier?: string; description?: string }[] | undefined) ?? [];
  if (actions.length > 3) out.push('actions: at most 3 actions are allowed');
  for (const a of actions) {
    if ((a.label ?? '').length > 20) out.push(`actions: label "${a.label}" is longer than 20 characters`);
    if ((a.identifier ?? '').length > 20)
      out.push(`actions: identifier "${a.identifier}" is longer than 20 characters`);
    if ((a.description ?? '').length > 40)
      out.push(`actions: description "${a.description}" is longer than 40 characters`);
  }
  const output = body.output as { summary?: string; text?: string; annotations?: unknown[] } | undefined;
  if ((output?.summary ?? '').length > MAX_TEXT)
    out.push(`output.summary is longer than ${MAX_TEXT} characters`);
  if ((output?.text ?? '').length > MAX_TEXT) out.push(`output.text is longer than ${MAX_TEXT} characters`);
  if ((output?.annotations ?? []).length > 50) out.push('output.annotations: at most 50 per request');
  if ((run.status === 'completed' || run.completed_at) && !run.conclusion) {
    out.push('conclusion is required when status is completed or completed_at is given');
  }
  return out;
}

function apply(ctx: RouteContext, run: SimCheckRun, body: Json): void {
  if (typeof body.name === 'string') run.name = body.name;
  if (typeof body.external_id === 'string') run.external_id = body.external_id;
  if (typeof body.details_url === 'string') run.details_url = body.details_url;
  if (typeof body.status === 'string') run.status = body.status as SimCheckRun['status'];
  if (typeof body.conclusion === 'string') {
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (typeof body.started_at === 'string') run.started_at = body.started_at;
  if (typeof body.completed_at === 'string') run.completed_at = body.completed_at;
  if (run.status === 'completed' && !run.completed_at) run.completed_at = iso(ctx.now);
  const output = body.output as
    { title?: string; summary?: string; text?: string; annotations?: unknown[] } | undefined;
  if (output) {
    run.output = {
      title: output.title ?? run.output.title,
      summary: output.summary ?? run.output.summary,
      text: output.text ?? run.output.text,
      annotations: [...run.output.annotations, ...(output.annotations ?? [])],
    };
  }
  if (Array.isArray(body.actions)) run.actions = body.actions as SimCheckRun['actions'];
}

function create(ctx: RouteContext): Reply {
  const headSha = String(ctx.body.head_sha);
  if (!ctx.repo.commits.has(headSha)) return fail(422, `No commit found for SHA: ${headSha}`);
  const run: SimCheckRun = {
    id: ctx.world.nextId(),
    repoId: ctx.repo.id,
    appId: ctx.world.app.id,
    name: '',
    head_sha: headSha,
    checkSuiteId: ctx.world.suiteFor(ctx.repo, ctx.world.app.id, headSha),
    status: 'queued',
    conclusion: null,
    started_at: iso(ctx.now),
    completed_at: null,
    external_id: null,
    details_url: null,
    output: { title: null, summary: null, text: null, annotations: [] },
    actions: [],
  };
  const preview = {
    ...run,
    status: (ctx.body.conclusion ? 'completed' : (ctx.body.status ?? 'queued')) as SimCheckRun['status'],
    conclusion: (ctx.body.conclusion as string) ?? null,
    completed_at: (ctx.body.completed_at as string) ?? null,
  };
  const issues = problems(ctx.body, preview);
  if (issues.length > 0) return fail(422, 'Invalid request.', { errors: issues });
  apply(ctx, run, ctx.body);
  ctx.repo.checkRuns.push(run);
  return { status: 201, body: checkRun(ctx, ctx.repo, run) };
}

function find(ctx: RouteContext): SimCheckRun | undefined {
  return ctx.repo.checkRuns.find((r) => r.id === Number(ctx.params.check_run_id));
}

function update(ctx: RouteContext): Reply {
  const run = find(ctx);
  if (!run) return fail(404, 'Not Found');
  const next = {
    ...run,
    status: (ctx.body.conclusion ? 'completed' : (ctx.body.status ?? run.status)) as SimCheckRun['status'],
    conclusion: (ctx.body.conclusion as string) ?? run.conclusion,
    completed_at: (ctx.body.completed_at as string) ?? run.completed_at,
  };
  const issues = problems(ctx.body, next);
  if (issues.length > 0) return fail(422, 'Invalid request.', { errors: issues });
  apply(ctx, run, ctx.body);
  return { status: 200, body: checkRun(ctx, ctx.repo, run) };
}

/** The jobs of workflow runs on `sha`, as GitHub Actions' check runs (in their run's check suite). */
function jobRuns(ctx: RouteContext, sha: string): SimCheckRun[] {
  return [...ctx.world.jobs.values()]
    .filter((j) => j.repoId === ctx.repo.id && j.headSha === sha)
    .map((j) => ({
      id: j.id,
      repoId: j.repoId,
      appId: ACTIONS_APP_ID,
      name: j.name,
      head_sha: j.headSha,
      status: j.status,
      conclusion: j.conclusion,
      checkSuiteId: j.runId,
      started_at: j.startedAt,
      completed_at: j.completedAt,
      external_id: null,
      details_url: null,
      output: { title: null, summary: null, text: null, annotations: [] },
      actions: [],
    }));
}

/** Every check run on a commit: every app's, and the jobs of its workflow runs. */
export const runsOn = (ctx: RouteContext, sha: string): SimCheckRun[] => [
  ...ctx.repo.checkRuns.filter((r) => r.head_sha === sha),
  ...jobRuns(ctx, sha),
];

function listForRef(ctx: RouteContext): Reply {
  const sha = resolveRef(ctx.repo, ctx.params.ref!) ?? ctx.params.ref!;
  const name = ctx.query.get('check_name');
  const status = ctx.query.get('status');
  const appId = ctx.query.get('app_id');
  let runs = runsOn(ctx, sha).filter(
    (r) =>
      (!name || r.name === name) && (!status || r.status === status) && (!appId || r.appId === Number(appId)),
  );
  // filter=latest (the default): the most recent run of each name per app.
  if ((ctx.query.get('filter') ?? 'latest') === 'latest') {
    const latest = new Map<string, SimCheckRun>();
    for (const r of runs) latest.set(`${r.appId}:${r.name}`, r);
    runs = runs.filter((r) => latest.get(`${r.appId}:${r.name}`) === r);
  }
  return {
    status: 200,
    body: {
      total_count: runs.length,
      check_runs: pageOf(ctx, runs).map((r) => checkRun(ctx, ctx.repo, r)),
    },
  };
}

export const checkRunRoutes = {
  'checks/create': { auth: { permission: 'checks', level: 'write', scope: 'repo' }, handle: create },
  'checks/update': { auth: { permission: 'checks', level: 'write', scope: 'repo' }, handle: update },
  'checks/get': {
    auth: { permission: 'checks', level: 'read', scope: 'repo' },
    handle: (ctx: RouteContext): Reply => {
      const run = find(ctx);
      return run ? { status: 200, body: checkRun(ctx, ctx.repo, run) } : fail(404, 'Not Found');
    },
  },
  'checks/list-for-ref': { auth: { permission: 'checks', level: 'read', scope: 'repo' }, handle: listForRef },
} satisfies Record<string, Route>;
