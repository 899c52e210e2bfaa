import { assertUsableKey } from '../crypto/jwe.ts';
import { repoOf, workflowPath, workflowRefMismatch, type RunClaims } from '../domain/claims.ts';
import { checkRunEffect } from '../domain/effects.ts';
import type { Leg } from '../domain/leg.ts';
import type { StepRef, StoredRequest } from '../domain/request.ts';
import type { CreateRequestBody } from '../domain/step-contract.ts';
import { carriedByGate } from './gate-carry.ts';
import { identifyJob } from './job-identity.ts';
import { joinRequest } from './join-request.ts';
import { decideUnderPolicies } from './decide-under-policies.ts';
import { announcement, openRequest } from './open.ts';
import type { CreatePorts } from './ports.ts';
import { checkRepository } from './repository-check.ts';
import { withRerunnerId } from './rerunner.ts';

/**
 * A step asks: verify its job, decide, and store the request with the step as its first leg (and
 * the effects that show it: its check run, and for one that waits, its comment and chat), or add
 * the step to the request its job's other legs share. The first step's key owns its leg: the same
 * job asking again with another key or secret is refused. Returns once what reviewers see shows
 * the request; the token of an approved one is minted by the caller (`grantLeg`).
 */
export async function createRequest(
  p: CreatePorts,
  claims: RunClaims,
  body: CreateRequestBody,
  ofRun?: StoredRequest[],
): Promise<StepRef> {
  const { github, now } = p;
  if (workflowPath(claims) === null) throw workflowRefMismatch(claims);
  const [owner, repo] = repoOf(claims);
  const installationId = await github.installationFor(owner, repo);
  await checkRepository(github, installationId, claims);
  claims = await withRerunnerId(github, installationId, claims);
  await assertUsableKey(body.public_key);
  const identity = await identifyJob({ github, requireJobId: p.requireJobId }, installationId, claims, body);
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
  const decided = await decideUnderPolicies(p, base, [], {});
  const { policies } = decided;
  const signals = Object.keys(decided.signals).length > 0 ? { signals: decided.signals } : {};
  // A step inside a job its gate approved gets its token without a second vote.
  const carried = await carriedByGate(p, base, decided.decision, ofRun);
  const decision = carried?.decision ?? decided.decision;
  const { request, created } = await openRequest(
    p,
    { ...base, ...signals },
    decision,
    policies,
    { key: identity.key, job: body.job, legs: [leg], createdAt },
    // A step's request always has a check run; one that waits tells its approvers too.
    (r) => (r.status === 'pending' ? announcement(r) : [checkRunEffect(r.id)]),
    {
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
    },
  );
  if (!created) return joinRequest(p, request.id, claims, leg, identity);
  await p.effects.settle(request.id);
  return { request: await p.ledger.read(request.id), leg };
}
