// Check suites on a commit: one per app and commit for apps, one per workflow run for GitHub Actions,
// each summing up its check runs.
import { runsOn } from './routes-checks.ts';
import { resolveRef } from './routes-contents.ts';
import { appOf, nodeId, repository } from './resources.ts';
import { fail, iso, pageOf, type Reply, type Route, type RouteContext } from './route-kit.ts';
import type { SimCheckRun } from './world.ts';

/** A finished suite's conclusion: the first of these any run has, else success, neutral or skipped. */
const WORST = ['action_required', 'cancelled', 'timed_out', 'failure', 'startup_failure', 'stale'];

/** A suite's status and conclusion from its check runs. */
export function summary(runs: readonly SimCheckRun[]): { status: string; conclusion: string | null } {
  if (runs.every((r) => r.status === 'queued')) return { status: 'queued', conclusion: null };
  if (runs.some((r) => r.status !== 'completed')) return { status: 'in_progress', conclusion: null };
  const has = (c: string) => runs.some((r) => r.conclusion === c);
  const conclusion = WORST.find(has) ?? (has('success') ? 'success' : has('neutral') ? 'neutral' : 'skipped');
  return { status: 'completed', conclusion };
}

function listSuites(ctx: RouteContext): Reply {
  const sha = resolveRef(ctx.repo, ctx.params.ref!) ?? ctx.params.ref!;
  if (!ctx.repo.commits.has(sha)) return fail(422, `No commit found for SHA: ${ctx.params.ref}`);
  const bySuite = new Map<number, SimCheckRun[]>();
  for (const r of runsOn(ctx, sha)) {
    const id = r.checkSuiteId ?? r.id;
    bySuite.set(id, [...(bySuite.get(id) ?? []), r]);
  }
  const appId = ctx.query.get('app_id');
  const name = ctx.query.get('check_name');
  const suites = [...bySuite].filter(
    ([, runs]) =>
      (!appId || runs[0]!.appId === Number(appId)) && (!name || runs.some((r) => r.name === name)),
  );
  const full = `${ctx.repo.owner}/${ctx.repo.name}`;
  const branch = [...ctx.repo.branches].find(([, head]) => head === sha)?.[0] ?? null;
  const parent = ctx.repo.parents.get(sha) ?? null;
  const check_suites = pageOf(ctx, suites).map(([id, runs]) =>
    ctx.synth.build('check-suite', {
      id,
      node_id: nodeId('CheckSuite', id),
      head_branch: branch,
      head_sha: sha,
      ...summary(runs),
      url: `${ctx.baseUrl}/repos/${full}/check-suites/${id}`,
      before: parent,
      after: sha,
      pull_requests: [],
      app: appOf(ctx, runs[0]!.appId),
      repository: repository(ctx, ctx.repo, 'minimal-repository'),
      created_at: runs[0]!.started_at,
      updated_at: iso(ctx.now),
      head_commit: {
        id: sha,
        tree_id: sha,
        message: `commit ${sha.slice(0, 7)}`,
        timestamp: '2026-01-01T00:00:00Z',
        author: { name: ctx.repo.owner, email: `${ctx.repo.owner}@example.test` },
        committer: { name: ctx.repo.owner, email: `${ctx.repo.owner}@example.test` },
      },
      latest_check_runs_count: runs.length,
      check_runs_url: `${ctx.baseUrl}/repos/${full}/check-suites/${id}/check-runs`,
      rerequestable: true,
      runs_rerequestable: true,
    }),
  );
  return { status: 200, body: { total_count: suites.length, check_suites } };
}

export const checkSuiteRoutes = {
  'checks/list-suites-for-ref': {
    auth: { permission: 'checks', level: 'read', scope: 'repo' },
    handle: listSuites,
  },
} satisfies Record<string, Route>;
