import { forkRef, type RunClaims } from '../domain/claims.ts';
import { AppError } from '../errors.ts';
import { decisionEffects } from './finalize.ts';
import { decideUnderPolicies } from './decide-under-policies.ts';
import { announcement, openRequest } from './open.ts';
import type { Ports } from './ports.ts';

/**
 * The action name of a job gate: a deployment protection rule asking before a job that deploys to
 * an environment gets a runner. Policies match it like a step's action (`match: { action:
 * [job-gate] }`, or a glob covering it).
 */
export const GATE_ACTION = 'job-gate';

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
export async function gateRequested(
  p: Pick<Ports, 'ledger' | 'github' | 'now' | 'metrics' | 'effects'>,
  e: GateEvent,
): Promise<void> {
  const { github, now } = p;
  const runId = runIdOf(e.callbackUrl);
  const run = await github.getRun(e.installationId, e.owner, e.repo, runId);
  if (!run) throw new AppError('not_found', `${e.owner}/${e.repo} has no workflow run ${runId}`);
  // A fork's run names its own branch in `ref` (its `main` is not this repository's): the gate's
  // ref says whose branch it is, so a policy's `refs/heads/...` never matches a fork's branch. A
  // run whose head repository GitHub no longer names (a fork deleted meanwhile) is taken as one.
  const head = run.headRepository;
  const ref =
    head !== null && head.id === e.repositoryId
      ? e.ref
      : forkRef(head?.fullName ?? 'unknown/deleted', run.headBranch ?? e.ref.replace(/^refs\/heads\//, ''));
  const claims: RunClaims = {
    repository: `${e.owner}/${e.repo}`,
    repository_id: String(e.repositoryId),
    repository_owner: e.owner,
    repository_owner_id: String(e.ownerId),
    ref,
    sha: e.sha,
    event_name: e.event,
    environment: e.environment,
    workflow_ref: `${e.owner}/${e.repo}/${run.path}@${ref}`,
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
  const { decision, policies, signals } = await decideUnderPolicies(p, base, [], {});
  const { request, created } = await openRequest(
    p,
    Object.keys(signals).length > 0 ? { ...base, signals } : base,
    decision,
    policies,
    {
      key: gateKey(claims, e.environment),
      job: '',
      legs: [],
      createdAt: now(),
      gate: { environment: e.environment, runId, answered: false },
    },
    // Decided at once: only GitHub's answer (no check run); waiting: shown and announced.
    (r) =>
      r.status === 'pending' ? announcement(r) : decisionEffects(r).filter((x) => x.kind === 'gate_answer'),
    {
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
    },
  );
  if (!created) return rejoin(p, request.id, e);
  await p.effects.settle(request.id);
}

/**
 * Another job of the run waits on the same environment: it shares the request. A decided request
 * answers again (GitHub's answer covers the jobs waiting when it is given): an approval only while
 * it still holds when sent (not expired, and today's policies and its votes still approve it);
 * otherwise that job is rejected, and a re-run (a new attempt) asks again.
 */
async function rejoin(p: Pick<Ports, 'ledger' | 'effects'>, id: string, e: GateEvent): Promise<void> {
  await p.ledger.locked(id, async () => {
    const r = await p.ledger.read(id);
    await p.ledger.audit('gate_joined', id, {
      gate: e.environment,
      status: r.status,
      delivery: e.deliveryId,
    });
    if (r.status === 'pending' || !r.gate) return;
    await p.ledger.schedule([
      {
        kind: 'gate_answer',
        key: `gate:${id}:${e.deliveryId}`,
        requestId: id,
        data: { joined: e.deliveryId },
      },
    ]);
  });
  await p.effects.settle(id);
}
