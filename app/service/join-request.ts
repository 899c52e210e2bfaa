import type { RunClaims } from '../domain/claims.ts';
import { checkRunEffect } from '../domain/effects.ts';
import type { Leg } from '../domain/leg.ts';
import type { StepRef, StoredRequest } from '../domain/request.ts';
import { AppError } from '../errors.ts';
import { intersectPermissions } from '../policy/permissions.ts';
import { approvalHolds } from './approval-holds.ts';
import { endLegsOf } from './end-legs.ts';
import { finalize } from './finalize.ts';
import type { JobIdentity } from './job-identity.ts';
import type { CreatePorts } from './ports.ts';

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

/** A claim as it is compared: environment names without case, as GitHub compares them. */
const claimOf = (c: RunClaims, k: (typeof SHARED_CLAIMS)[number]): string =>
  k === 'environment' ? (c[k] ?? '').toLowerCase() : (c[k] ?? '');

const sameKey = (a: Record<string, unknown>, b: Record<string, unknown>): boolean =>
  a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y;

/**
 * Two keys for one job: either a retry lost its key (a step never does that: the key is made once
 * per step) or another job of the run learned this job's id and asked as it. The app cannot tell
 * which one is genuine, so it fails closed: the request is denied if still pending, and the job's
 * leg ends with its token revoked. The caller holds the request's lock.
 */
async function impostor(p: CreatePorts, r: StoredRequest, leg: Leg): Promise<void> {
  const message = `two steps asked as job ${leg.jobId ?? leg.name} ("${leg.name}") with different keys: one of them is not that job's step`;
  await p.ledger.audit('leg_conflict', r.id, { job_id: leg.jobId, job_name: leg.name });
  if (r.status === 'pending') {
    const reasons = [...r.decision.reasons, { rule: 'governing' as const, message }];
    await finalize(p, r, 'denied', { ...r.decision, outcome: 'denied', token: null, reasons });
  }
  await endLegsOf(p, r, (l) => l === leg, 'leg_conflict', message);
}

/**
 * A leg that asks after its request was approved gets a token only while the approval still holds:
 * within the request's timeout, and only if today's policies (a freeze, a narrower token) and the
 * recorded votes still approve it. Its token is then at most what both allow. The caller holds
 * the request's lock.
 */
async function stillApproved(p: CreatePorts, r: StoredRequest): Promise<void> {
  if (p.now() >= r.expiresAt)
    throw new AppError(
      'forbidden',
      `request ${r.id} was approved, but steps that ask after its timeout (${new Date(r.expiresAt).toISOString()}) are not covered: re-run the job to ask again`,
    );
  const held = await approvalHolds(p, r, r.decision, await p.ledger.votes(r.id));
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

/**
 * Adds a step to the request its job's other legs share (a matrix), or answers its retry; refuses
 * another step's key. A pending request's check run lists the jobs waiting on it: the legs joining
 * together share its updates (the effect coalesces).
 */
export async function joinRequest(
  p: CreatePorts,
  id: string,
  claims: RunClaims,
  leg: Leg,
  identity: JobIdentity,
): Promise<StepRef> {
  let conflict: AppError | undefined;
  const mine = await p.ledger.locked(id, async (): Promise<Leg> => {
    const r = await p.ledger.read(id);
    const differs = SHARED_CLAIMS.find((k) => claimOf(r.claims, k) !== claimOf(claims, k));
    if (differs)
      throw new AppError(
        'conflict',
        `request ${id} was made with ${differs} "${r.claims[differs] ?? ''}", and this step's token has "${claims[differs] ?? ''}"`,
      );
    const same = r.legs.find((l) =>
      identity.jobId === null ? l.jobId === null && l.name === identity.name : l.jobId === identity.jobId,
    );
    if (same) {
      if (same.secretHash === leg.secretHash && sameKey(same.publicKey, leg.publicKey)) return same; // a retry
      await impostor(p, r, same);
      conflict = new AppError(
        'conflict',
        `job ${identity.jobId ?? identity.name} ("${identity.name}") already asked for request ${id} with another key: a request belongs to the step that made it, so one of the two is not that job's step; the request is denied and any token it granted that job is revoked`,
      );
      return same;
    }
    if (r.legs.some((l) => l.secretHash === leg.secretHash))
      throw new AppError(
        'conflict',
        `request ${id} already has a step with this secret; make a new one per step`,
      );
    if (r.status === 'approved') await stillApproved(p, r);
    r.legs.push(leg);
    await p.ledger.save(r, {
      audit: [{ type: 'leg_joined', data: { job_id: leg.jobId, job_name: leg.name, status: r.status } }],
      effects: r.status === 'pending' ? [checkRunEffect(r.id)] : [],
    });
    return leg;
  });
  await p.effects.settle(id); // the step hears back once GitHub shows it waiting
  if (conflict) throw conflict;
  return { request: await p.ledger.read(id), leg: mine };
}
