import type { CreateRequestBody } from '../domain/step-contract.ts';
import { AppError } from '../errors.ts';
import type { GitHubPort } from '../github/port.ts';
import { legOf } from '../github/workflow-jobs.ts';
import { workflowPath, type RunClaims } from '../domain/claims.ts';

/** Who is asking: the job (or matrix leg) a request's step runs in. */
export interface JobIdentity {
  /** `job.check_run_id`, verified against the token's run; null when the step sent none. */
  jobId: number | null;
  /** The display name GitHub shows (verified), or `key [index]` when there is no job id. */
  name: string;
  /**
   * The key of the request the step joins: legs of one job share it (one approval). A job whose
   * legs cannot be told apart from another job's by the workflow file gets a key of its own.
   */
  key: string;
  /** Why the job does not share its approval with other legs, when it does not. */
  alone: string | null;
}

export interface IdentifyDeps {
  github: GitHubPort;
  /** Refuse steps that send no job id (github.com and GHEC always can). */
  requireJobId: boolean;
}

/**
 * Verifies the job a step runs in (one read of the job: it belongs to the token's run and attempt
 * and is in progress) and decides which request it joins: the job's other legs' when the workflow
 * file at the run's commit shows that its display name belongs to the job key it claims and to no
 * other job; a request of its own otherwise. A job that provably belongs to another job key is
 * refused.
 */
export async function identifyJob(
  deps: IdentifyDeps,
  installationId: number,
  claims: RunClaims,
  body: CreateRequestBody,
): Promise<JobIdentity> {
  const [owner, repo] = claims.repository.split('/') as [string, string];
  const run = `${claims.repository_id}:${claims.run_id}:${claims.run_attempt}`;
  // Environment names are case-insensitive on GitHub: `Production` and `production` are one.
  const tail = `${body.action}:${(claims.environment ?? '').toLowerCase()}`;
  // Where the token itself names the job, that is the job: a step cannot claim another's id.
  if (claims.check_run_id !== undefined) {
    if (body.job_id !== undefined && String(body.job_id) !== claims.check_run_id)
      throw new AppError(
        'forbidden',
        `job ${body.job_id} is not the job of this OIDC token (its check_run_id claim is ${claims.check_run_id}): a step can only ask for its own job`,
      );
    body = { ...body, job_id: Number(claims.check_run_id) };
  }
  if (body.job_id === undefined) {
    if (deps.requireJobId)
      throw new AppError(
        'bad_request',
        "job_id is required: send the job's own id (`${{ job.check_run_id }}`); this app refuses steps that cannot say which job they run in (REQUIRE_JOB_ID)",
      );
    const position = body.matrix_index === undefined ? '' : ` [${body.matrix_index}]`;
    return {
      jobId: null,
      name: `${body.job}${position}`,
      // A key apart from every verified job's: an unverified step never joins a verified request.
      key: `${run}:unverified ${body.job}${position}:${tail}`,
      alone: 'the step sent no job id, so its legs cannot be verified',
    };
  }
  const job = await deps.github.getJob(installationId, owner, repo, body.job_id);
  const refuse = (what: string): never => {
    throw new AppError('forbidden', `job ${body.job_id} ${what}: a step can only ask for its own job`);
  };
  if (!job) refuse(`is not a job of ${claims.repository}`);
  if (String(job!.runId) !== claims.run_id)
    refuse(`belongs to run ${job!.runId}, not to this token's run ${claims.run_id}`);
  if (String(job!.runAttempt) !== claims.run_attempt)
    refuse(
      `belongs to attempt ${job!.runAttempt} of the run, not to this token's attempt ${claims.run_attempt}`,
    );
  if (job!.status !== 'in_progress') refuse(`is ${job!.status.replace('_', ' ')}, not in progress`);
  const name = job!.name;
  const own = (why: string): JobIdentity => ({
    jobId: job!.id,
    name,
    key: `${run}:#${job!.id}:${tail}`,
    alone: why,
  });
  if (claims.job_workflow_ref && claims.job_workflow_ref !== claims.workflow_ref)
    return own('the job runs in a reusable workflow, whose legs the app cannot verify');
  const path = workflowPath(claims);
  if (path === null) return own("the workflow's path cannot be read from the token's workflow_ref");
  const yaml = await deps.github.fileAt(installationId, owner, repo, path, claims.workflow_sha ?? claims.sha);
  if (yaml === null) return own(`${path} could not be read at the run's commit`);
  const verdict = legOf(yaml, body.job, name);
  if (verdict.verdict === 'other')
    throw new AppError(
      'forbidden',
      `job ${body.job_id} ("${name}") is job "${verdict.job}" of ${path}, not "${body.job}": a step can only ask for its own job`,
    );
  if (verdict.verdict === 'unknown') return own(verdict.why);
  return { jobId: job!.id, name, key: `${run}:${body.job}:${tail}`, alone: null };
}
