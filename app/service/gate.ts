import { AppError } from '../errors.ts';
import { announce } from '../notify/notifier.ts';
import type { Decision } from '../policy/decision.ts';
import type { RunClaims } from '../domain/claims.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { ApprovalService } from './approval-service.ts';
import { approvalHolds } from './approval-holds.ts';
import { openRequest, recordOpened } from './open.ts';
import type { Judged } from '../domain/request.ts';

/**
 * The action name of a job gate: a deployment protection rule asking before a job that deploys to
 * an environment gets a runner. Policies match it like a step's action (`match: { action:
 * [job-gate] }`, or a glob covering it).
 */
export const GATE_ACTION = 'job-gate';

/** Gate answers the sweep sends at most, per sweep. */
export const ANSWERS_PER_SWEEP = 20;

/** What a `deployment_protection_rule.requested` delivery says, as the handler read it. */
export interface GateEvent {
  installationId: number;
  repositoryId: number;
  owner: string;
  ownerId: number;
  repo: string;
  environment: string;
  ref: string;
  sha: string;
  event: string;
  /** `…/actions/runs/{run_id}/deployment_protection_rule`: where the run's id is read. */
  callbackUrl: string;
  deliveryId: string;
}

/** The run id at the end of a deployment callback URL. */
export function runIdOf(callbackUrl: string): number {
  const m = /\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(callbackUrl);
  const id = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0)
    throw new AppError(
      'bad_request',
      `deployment_protection_rule.requested delivery refused: deployment_callback_url must end in /actions/runs/{run_id}/deployment_protection_rule`,
    );
  return id;
}

/**
 * All jobs of one run attempt waiting on one environment share one request (and one answer).
 * GitHub's environment names ignore case: `Production` and `production` are one environment.
 */
export const gateKey = (c: RunClaims, environment: string): string =>
  `${c.repository_id}:${c.run_id}:${c.run_attempt}:gate:${environment.toLowerCase()}`;

/**
 * A job of a run waits on an environment that has this app as a protection rule: decide with the
 * same policies as a step (action `job-gate`). Decided at once, GitHub is answered at once, with no
 * check run; pending, the request gets a check run and notice like a step's, and the vote that
 * decides it answers GitHub. Another event for the same run attempt and environment joins it.
 */
export async function gateRequested(service: ApprovalService, e: GateEvent): Promise<void> {
  const { store, github, now } = service.deps;
  const runId = runIdOf(e.callbackUrl);
  const run = await github.getRun(e.installationId, e.owner, e.repo, runId);
  if (!run) throw new AppError('not_found', `${e.owner}/${e.repo} has no workflow run ${runId}`);
  const claims: RunClaims = {
    repository: `${e.owner}/${e.repo}`,
    repository_id: String(e.repositoryId),
    repository_owner: e.owner,
    repository_owner_id: String(e.ownerId),
    ref: e.ref,
    sha: e.sha,
    event_name: e.event,
    environment: e.environment,
    workflow_ref: `${e.owner}/${e.repo}/${run.path}@${e.ref}`,
    actor: run.actor,
    actor_id: String(run.actorId),
    triggering_actor: run.triggeringActor,
    triggering_actor_id: String(run.triggeringActorId),
    run_id: String(runId),
    run_attempt: String(run.attempt),
  };
  const base = {
    claims,
    action: GATE_ACTION,
    reason: null,
    requestedPermissions: null,
    installationId: e.installationId,
    terms: null,
  };
  const { decision, policies } = await service.judge(base, [], {});
  const { request, created } = await openRequest(service, base, decision, policies, {
    key: gateKey(claims, e.environment),
    job: '',
    legs: [],
    createdAt: now(),
    gate: { environment: e.environment, runId, answered: false },
  });
  if (!created) return rejoin(service, request.id, e);
  await service.locks.run(request.id, async () => {
    await recordOpened(service, request, policies, {
      repository_id: claims.repository_id,
      run_id: claims.run_id,
      run_attempt: claims.run_attempt,
      gate: e.environment,
      action: GATE_ACTION,
      workflow: run.path,
      actor: claims.actor,
      triggering_actor: claims.triggering_actor,
      ref: claims.ref,
      sha: claims.sha,
      delivery: e.deliveryId,
    });
    const r = (await store.getRequest(request.id))!;
    if (r.status !== 'pending') {
      await answerNow(service, r);
      return;
    }
    const shown = await service.ensureCheckRun(r.id);
    await announce(service, shown);
  });
}

/**
 * Another job of the run waits on the same environment: it shares the request. A decided request
 * answers again (GitHub's answer covers the jobs waiting when it is given), except an approval
 * that has expired: that job is rejected, and a re-run (a new attempt) asks again.
 */
async function rejoin(service: ApprovalService, id: string, e: GateEvent): Promise<void> {
  await service.locks.run(id, async () => {
    const r = (await service.deps.store.getRequest(id))!;
    await service.audit('gate_joined', id, { gate: e.environment, status: r.status, delivery: e.deliveryId });
    if (r.status === 'pending' || !r.gate) return;
    if (r.status === 'approved' && service.deps.now() >= r.expiresAt) return rejectExpired(service, r);
    r.gate.answered = false;
    await answerNow(service, r);
  });
}

/** A job that waits on an environment whose approval for the run attempt has expired: rejected. */
async function rejectExpired(service: ApprovalService, r: StoredRequest): Promise<void> {
  const gate = r.gate!;
  const comment = `jit-approvals: rejected: the approval of this run for environment ${gate.environment} expired at ${new Date(r.expiresAt).toISOString()}; re-run the job to ask again`;
  const sent = await sendAnswer(service, r, 'rejected', comment).catch((err: unknown) => {
    // Not answered, the job keeps waiting: it is not let through.
    service.deps.log.warn({ err, request: r.id }, 'rejecting a job after its gate approval expired failed');
    return { sent: false };
  });
  await service.audit('gate_answered', r.id, {
    gate: gate.environment,
    run_id: gate.runId,
    state: 'rejected',
    comment,
    ...sent,
    expired: true,
  });
}

/**
 * Sends a gate's answer to GitHub, unless the run was re-run since the attempt that asked: GitHub's
 * answer names the run, not the attempt, so an answer for an older attempt would decide for the
 * jobs of the newer one. Checked when the answer is sent (one read of the run), not from a
 * run-completed event that may never come. Throws what GitHub threw.
 */
async function sendAnswer(
  service: ApprovalService,
  r: StoredRequest,
  state: 'approved' | 'rejected',
  comment: string,
): Promise<{ sent: boolean; superseded_by_attempt?: number }> {
  const gate = r.gate!;
  const { github } = service.deps;
  const [owner, repo] = r.claims.repository.split('/') as [string, string];
  const run = await github.getRun(r.installationId, owner, repo, gate.runId);
  const attempt = Number(r.claims.run_attempt);
  if (!run || run.attempt !== attempt) {
    service.deps.log.warn(
      { request: r.id, attempt, latest: run?.attempt ?? null },
      'a job gate was not answered: its run was re-run since (or is gone), and the answer would decide for another attempt',
    );
    return { sent: false, ...(run && { superseded_by_attempt: run.attempt }) };
  }
  await github.reviewGate(r.installationId, owner, repo, gate.runId, {
    environment: gate.environment,
    state,
    comment,
  });
  return { sent: true };
}

/**
 * A step's pending decision approved by its job's gate: the gate of the same run attempt and
 * environment was approved by people's votes (an `auto_approve` for `job-gate` says nothing about
 * steps), its approval has not expired, and every policy governing the step
 * governed the gate too (so the same approvers decided). Null when no gate carries over, and for
 * an emergency (break-glass) decision: its override is for its break-glass approvers to grant, and
 * a gate approved before the freeze or outside the windows says nothing about it.
 */
export async function carriedByGate(
  service: ApprovalService,
  step: Judged,
  decision: Decision,
  ofRun?: StoredRequest[],
): Promise<{ decision: Decision; gate: StoredRequest } | null> {
  const { claims } = step;
  const env = claims.environment?.toLowerCase();
  if (!env || decision.outcome !== 'pending' || decision.policies.length === 0) return null;
  if (decision.break_glass) return null;
  const now = service.deps.now();
  const gate = (
    ofRun ??
    (await service.deps.store.requestsForRun(claims.repository_id, claims.run_id, claims.run_attempt))
  ).find(
    (r) =>
      r.gate?.environment.toLowerCase() === env &&
      r.status === 'approved' &&
      !r.decision.auto && // people approved the gate: an automatic approval carries nothing over
      now < r.expiresAt &&
      decision.policies.every((p) => r.decision.policies.includes(p)),
  );
  if (!gate) return null;
  // The gate's votes must approve the step under today's policies, as a joining leg's would: an
  // approver removed since, or `required` raised, carries nothing over.
  const votes = await service.deps.store.votes(gate.id);
  const held = await approvalHolds(service, step, gate.decision, votes);
  if (!held.holds) return null;
  const by = votes.filter((v) => v.decision === 'approve').map((v) => v.voterLogin);
  const message = `approved by the job gate of environment ${gate.gate!.environment} (${gate.id}, approved by ${by.join(', ')}): no second vote`;
  return {
    gate,
    decision: {
      ...held.decision,
      reasons: [...held.decision.reasons, { rule: 'governing', message }],
    },
  };
}

/** What GitHub shows with the answer: who decided, or why not. */
function commentOf(r: StoredRequest, approvers: string[]): string {
  const policies = r.decision.policies.join(', ') || 'none';
  if (r.status === 'approved')
    return r.decision.auto || approvers.length === 0
      ? `jit-approvals: approved automatically (policies: ${policies})`
      : `jit-approvals: approved by ${approvers.join(', ')} (policies: ${policies})`;
  const why = r.decision.reasons.filter((x) => x.rule !== 'governing' || r.status === 'timed_out');
  const shown = (why.length > 0 ? why : r.decision.reasons).map((x) => x.message);
  return `jit-approvals: ${r.status.replace('_', ' ')}: ${shown.join('; ') || 'no policy approves it'}`;
}

/**
 * Sends a decided gate request's answer to GitHub unless it was sent, and records that it was
 * (`gate_answered`). A request cancelled because its run ended is not answered: nothing waits.
 * Throws what GitHub or the store threw; the caller holds the request's lock.
 */
export async function answerGate(service: ApprovalService, r: StoredRequest): Promise<void> {
  const gate = r.gate;
  if (!gate || gate.answered || r.status === 'pending') return;
  if (r.status === 'cancelled') {
    r.gate = { ...gate, answered: true };
    await service.save(r, [
      {
        type: 'gate_answered',
        data: { gate: gate.environment, run_id: gate.runId, state: null, sent: false },
      },
    ]);
    return;
  }
  const votes = await service.deps.store.votes(r.id);
  const state = r.status === 'approved' ? 'approved' : 'rejected';
  const comment = commentOf(
    r,
    votes.filter((v) => v.decision === 'approve').map((v) => v.voterLogin),
  );
  const sent = await sendAnswer(service, r, state, comment);
  r.gate = { ...gate, answered: true };
  await service.save(r, [
    {
      type: 'gate_answered',
      data: { gate: gate.environment, run_id: gate.runId, state, comment, ...sent },
    },
  ]);
}

/** Answers at once if GitHub takes it; a failure is logged, and the sweep sends it later. */
export async function answerNow(service: ApprovalService, r: StoredRequest): Promise<void> {
  await answerGate(service, r).catch((err: unknown) =>
    service.deps.log.warn(
      { err, request: r.id, gate: r.gate?.environment },
      'the deployment protection rule was not answered; the sweep sends the answer',
    ),
  );
}

/** The sweep's pass: answers of decided gate requests that GitHub has not taken yet. */
export async function sendUnanswered(service: ApprovalService, limit = ANSWERS_PER_SWEEP): Promise<void> {
  const { store, log } = service.deps;
  for (const due of await store.unansweredGates(limit)) {
    await service.locks
      .run(due.id, async () => {
        const r = (await store.getRequest(due.id))!;
        await answerGate(service, r); // a no-op if another instance answered meanwhile
      })
      .catch((err: unknown) =>
        log.warn({ err, request: due.id }, 'answering a deployment protection rule failed; trying again'),
      );
  }
}
