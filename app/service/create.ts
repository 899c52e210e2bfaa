import type { CreateRequestBody } from '../domain/step-contract.ts';
import { assertUsableKey } from '../crypto/jwe.ts';
import { AppError } from '../errors.ts';
import type { GitHubPort } from '../github/port.ts';
import { workflowPath, type RunClaims } from '../domain/claims.ts';
import type { Leg } from '../domain/leg.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { ApprovalService, StepRef } from './approval-service.ts';
import { announce } from '../notify/notifier.ts';
import { intersectPermissions } from '../policy/permissions.ts';
import { approvalHolds } from './approval-holds.ts';
import { carriedByGate } from './gate.ts';
import { grantLeg, revokeLeg } from './grant.ts';
import { identifyJob, type JobIdentity } from './job-identity.ts';
import { checkRepository } from './repository-check.ts';
import { workflowRefMismatch } from '../domain/claims.ts';
import { openRequest, recordOpened } from './open.ts';

/** Claims every step sharing a request must have alike (the run's context). */
const SHARED_CLAIMS = [
  'repository',
  'repository_id',
  'ref',
  'sha',
  'event_name',
  'environment',
  'workflow_ref',
  'workflow_sha',
  'job_workflow_ref',
  'actor',
  'triggering_actor',
  'run_id',
  'run_attempt',
] as const;

/**
 * A step asks: verify its job, decide, and store the request with the step as its first leg, or
 * add the step to the request its job's other legs share. The first step's key owns its leg: the
 * same job asking again with another key or secret is refused.
 */
export async function createRequest(
  service: ApprovalService,
  claims: RunClaims,
  body: CreateRequestBody,
  ofRun?: StoredRequest[],
): Promise<StepRef> {
  const { github, now } = service.deps;
  if (workflowPath(claims) === null) throw workflowRefMismatch(claims);
  const [owner, repo] = claims.repository.split('/') as [string, string];
  const installationId = await github.installationFor(owner, repo);
  await checkRepository(github, installationId, claims);
  claims = await withRerunnerId(github, installationId, claims);
  await assertUsableKey(body.public_key);
  const identity = await identifyJob(
    { github, requireJobId: service.deps.requireJobId },
    installationId,
    claims,
    body,
  );
  const createdAt = now();
  const leg: Leg = {
    jobId: identity.jobId,
    name: identity.name,
    publicKey: body.public_key,
    secretHash: body.secret_sha256,
    reason: body.reason ?? null,
    requestedPermissions: body.permissions ?? null,
    joinedAt: createdAt,
    endedAt: null,
    token: null,
  };
  const base = {
    claims,
    action: body.action,
    reason: body.reason ?? null,
    requestedPermissions: body.permissions ?? null,
    installationId,
    terms: null,
    ...(body.emergency && { emergency: true }),
  };
  const judged = await service.judge(base, [], {});
  const { policies } = judged;
  // A step inside a job its gate approved gets its token without a second vote.
  const carried = await carriedByGate(service, base, judged.decision, ofRun);
  const decision = carried?.decision ?? judged.decision;
  const { request, created } = await openRequest(service, base, decision, policies, {
    key: identity.key,
    job: body.job,
    legs: [leg],
    createdAt,
  });
  if (!created) return join(service, request.id, claims, leg, identity);
  return service.locks.run(request.id, async () => {
    await recordOpened(service, request, policies, {
      repository_id: claims.repository_id,
      run_id: claims.run_id,
      run_attempt: claims.run_attempt,
      job: body.job,
      job_id: identity.jobId,
      job_name: identity.name,
      action: body.action,
      actor: claims.actor,
      triggering_actor: claims.triggering_actor ?? claims.actor,
      ref: claims.ref,
      sha: claims.sha,
      reason: body.reason ?? null,
      ...(body.emergency && { emergency: true }),
      ...(identity.alone && { not_shared: identity.alone }),
      ...(carried && { approved_by_gate: carried.gate.id }),
    });
    return ready(service, request.id, leg.secretHash);
  });
}

/**
 * The claims with the account id of whoever re-ran the run, when that is another account than the
 * actor's: GitHub's token names the re-runner by login only, and an account that later takes a
 * listed approver's login must still be known as the re-runner. One read, on re-runs only.
 */
async function withRerunnerId(
  github: GitHubPort,
  installationId: number,
  claims: RunClaims,
): Promise<RunClaims> {
  const rerunner = claims.triggering_actor;
  if (!rerunner || rerunner.toLowerCase() === claims.actor.toLowerCase() || claims.triggering_actor_id)
    return claims;
  const id = await github.userId(installationId, rerunner);
  if (id === null)
    throw new AppError(
      'forbidden',
      `the run was re-run by ${rerunner}, a login no GitHub account holds now (renamed?): re-run the job to ask again`,
    );
  return { ...claims, triggering_actor_id: String(id) };
}

/** The request with its check run made, and the step's token minted if it is approved. */
async function ready(service: ApprovalService, id: string, secretHash: string): Promise<StepRef> {
  const r = await service.ensureCheckRun(id);
  await announce(service, r);
  const leg = r.legs.find((l) => l.secretHash === secretHash)!;
  await grantLeg(service, r, leg);
  return { request: r, leg };
}

/** A claim as it is compared: environment names without case, as GitHub compares them. */
const claimOf = (c: RunClaims, k: (typeof SHARED_CLAIMS)[number]): string =>
  k === 'environment' ? (c[k] ?? '').toLowerCase() : (c[k] ?? '');

/** The first claim in which two tokens of steps sharing a request differ. */
function differingClaim(a: RunClaims, b: RunClaims): (typeof SHARED_CLAIMS)[number] | undefined {
  return SHARED_CLAIMS.find((k) => claimOf(a, k) !== claimOf(b, k));
}

const sameKey = (a: Record<string, unknown>, b: Record<string, unknown>): boolean =>
  a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y;

/**
 * Two keys for one job: either a retry lost its key (a step never does that: the key is made once
 * per step) or another job of the run learned this job's id and asked as it. The app cannot tell
 * which one is genuine, so it fails closed: the request is denied if still pending, and the job's
 * leg ends with its token revoked. The caller holds the request's lock.
 */
async function impostor(service: ApprovalService, r: StoredRequest, leg: Leg): Promise<void> {
  const message = `two steps asked as job ${leg.jobId ?? leg.name} ("${leg.name}") with different keys: one of them is not that job's step`;
  await service.audit('leg_conflict', r.id, { job_id: leg.jobId, job_name: leg.name });
  if (r.status === 'pending') {
    const reasons = [...r.decision.reasons, { rule: 'governing' as const, message }];
    await service.finalize(r, 'denied', { ...r.decision, outcome: 'denied', token: null, reasons });
  }
  if (leg.endedAt === null) {
    leg.endedAt = service.deps.now();
    await service.save(r);
  }
  await revokeLeg(service, r, leg, 'leg_conflict');
}

/**
 * A leg that asks after its request was approved gets a token only while the approval still holds:
 * within the request's timeout, and only if today's policies (a freeze, a narrower token) and the
 * recorded votes still approve it. Its token is then at most what both allow. The caller holds
 * the request's lock.
 */
async function stillApproved(service: ApprovalService, r: StoredRequest): Promise<void> {
  if (service.deps.now() >= r.expiresAt)
    throw new AppError(
      'forbidden',
      `request ${r.id} was approved, but steps that ask after its timeout (${new Date(r.expiresAt).toISOString()}) are not covered: re-run the job to ask again`,
    );
  const held = await approvalHolds(service, r, r.decision, await service.deps.store.votes(r.id));
  if (!held.holds)
    throw new AppError(
      'forbidden',
      `request ${r.id} was approved, but its policies no longer approve it now: ${held.why}`,
    );
  const before = r.decision.token;
  const now = held.decision.token;
  const permissions = before && now ? intersectPermissions([before.permissions, now.permissions]) : {};
  r.decision.token =
    before && now && Object.keys(permissions).length > 0
      ? { permissions, ttl_seconds: Math.min(before.ttl_seconds, now.ttl_seconds) }
      : null;
}

/** Adds a step to an existing request, or answers its retry; refuses another step's key. */
async function join(
  service: ApprovalService,
  id: string,
  claims: RunClaims,
  leg: Leg,
  identity: JobIdentity,
): Promise<StepRef> {
  let shown: Promise<void> = Promise.resolve();
  const ref = await service.locks.run(id, async () => {
    const r = (await service.deps.store.getRequest(id))!;
    const differs = differingClaim(r.claims, claims);
    if (differs)
      throw new AppError(
        'conflict',
        `request ${id} was made with ${differs} "${r.claims[differs] ?? ''}", and this step's token has "${claims[differs] ?? ''}"`,
      );
    const mine = r.legs.find((l) =>
      identity.jobId === null ? l.jobId === null && l.name === identity.name : l.jobId === identity.jobId,
    );
    if (mine) {
      if (mine.secretHash !== leg.secretHash || !sameKey(mine.publicKey, leg.publicKey)) {
        await impostor(service, r, mine);
        throw new AppError(
          'conflict',
          `job ${identity.jobId ?? identity.name} ("${identity.name}") already asked for request ${id} with another key: a request belongs to the step that made it, so one of the two is not that job's step; the request is denied and any token it granted that job is revoked`,
        );
      }
      return ready(service, id, mine.secretHash); // a retry of the same step
    }
    if (r.legs.some((l) => l.secretHash === leg.secretHash))
      throw new AppError(
        'conflict',
        `request ${id} already has a step with this secret; make a new one per step`,
      );
    if (r.status === 'approved') await stillApproved(service, r);
    r.legs.push(leg);
    const joined = { type: 'leg_joined', data: { job_id: leg.jobId, job_name: leg.name, status: r.status } };
    // A pending request's check run lists the jobs waiting on it: one update for the legs that
    // join together, sent after they are saved (a matrix of jobs asking at once).
    if (r.status === 'pending') ({ shown } = await service.saveShown(r, [joined], { shared: true }));
    else await service.save(r, [joined]);
    return ready(service, id, leg.secretHash);
  });
  await shown; // the step hears back once GitHub shows it waiting
  return ref;
}
