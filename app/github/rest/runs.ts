import { call } from '../errors.ts';
import type { Kit } from '../installations.ts';
import type { WorkflowJob, WorkflowRun } from '../port.ts';

type Repo = { owner: string; repo: string };

export async function pullRequestHead(kit: Kit, at: Repo, number: number): Promise<string> {
  return call(
    `reading pull request #${number}`,
    async () =>
      (await kit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...at, pull_number: number }))
        .data.head.sha,
  );
}

export async function getJob(kit: Kit, at: Repo, jobId: number): Promise<WorkflowJob | null> {
  return call(
    `reading job ${jobId} of ${at.owner}/${at.repo}`,
    async () => {
      const { data } = await kit.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}', {
        ...at,
        job_id: jobId,
      });
      return {
        id: Number(data.id),
        runId: Number(data.run_id),
        runAttempt: data.run_attempt ?? 1,
        name: data.name,
        status: data.status,
      };
    },
    () => null,
  );
}

export async function getRun(kit: Kit, at: Repo, runId: number): Promise<WorkflowRun | null> {
  return call(
    `reading run ${runId} of ${at.owner}/${at.repo}`,
    async () => {
      const { data } = await kit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', {
        ...at,
        run_id: runId,
        exclude_pull_requests: true,
      });
      return runOf(data);
    },
    () => null,
  );
}

export async function getRunAttempt(
  kit: Kit,
  at: Repo,
  runId: number,
  attempt: number,
): Promise<WorkflowRun | null> {
  return call(
    `reading attempt ${attempt} of run ${runId} of ${at.owner}/${at.repo}`,
    async () => {
      const { data } = await kit.request(
        'GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}',
        {
          ...at,
          run_id: runId,
          attempt_number: attempt,
          exclude_pull_requests: true,
        },
      );
      return runOf(data);
    },
    () => null,
  );
}

export async function reviewGate(
  kit: Kit,
  at: Repo,
  runId: number,
  answer: { environment: string; state: 'approved' | 'rejected'; comment: string },
): Promise<void> {
  const route = 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule';
  await call(`answering the protection rule of ${answer.environment} for run ${runId}`, () =>
    kit.request(route, {
      ...at,
      run_id: runId,
      environment_name: answer.environment,
      state: answer.state,
      // GitHub keeps at most 1024 characters of the comment.
      comment: answer.comment.slice(0, 1024),
    }),
  );
}

/** Whether jobs of run `runId` still wait on `environment` (its pending deployments name it). */
export async function gateWaiting(kit: Kit, at: Repo, runId: number, environment: string): Promise<boolean> {
  return call(
    `reading the pending deployments of run ${runId}`,
    async () => {
      const { data } = await kit.request(
        'GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments',
        {
          ...at,
          run_id: runId,
        },
      );
      return data.some((d) => d.environment.name?.toLowerCase() === environment.toLowerCase());
    },
    () => false,
  );
}

type RunData = {
  id: number | bigint;
  run_attempt?: number;
  check_suite_id?: number | bigint | null;
  path: string;
  actor?: { login: string; id: number | bigint } | null;
  triggering_actor?: { login: string; id: number | bigint } | null;
  head_sha: string;
  event: string;
  head_branch?: string | null;
  head_repository?: { id: number | bigint; full_name: string } | null;
};

/** A run attempt as GitHub describes it (`workflow-run`), as the app reads it. */
function runOf(data: RunData): WorkflowRun {
  return {
    id: Number(data.id),
    attempt: data.run_attempt ?? 1,
    path: data.path,
    actor: data.actor?.login ?? '',
    actorId: Number(data.actor?.id ?? 0),
    triggeringActor: data.triggering_actor?.login ?? data.actor?.login ?? '',
    triggeringActorId: Number(data.triggering_actor?.id ?? data.actor?.id ?? 0),
    headSha: data.head_sha,
    event: data.event,
    headBranch: data.head_branch ?? null,
    checkSuiteId: data.check_suite_id == null ? null : Number(data.check_suite_id),
    headRepository: data.head_repository
      ? { id: Number(data.head_repository.id), fullName: data.head_repository.full_name }
      : null,
  };
}
