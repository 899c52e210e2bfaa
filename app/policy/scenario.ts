import { parseInstant } from './freeze.ts';
import { policyError, type PolicyError } from './errors.ts';
import type { Level } from './permissions.ts';
import type { SourceMap } from './positions.ts';
import type { ApprovalRequest, Membership, Vote } from './request.ts';
import type { ExplainRequest } from './tests-types.generated.ts';

/** Everything `evaluate` needs for one request, as a test case or `explain` gives it. */
export interface Scenario {
  request: ApprovalRequest;
  votes: Vote[];
  membership: Membership;
  /** Epoch ms, or undefined when the file gave no time. */
  time: number | undefined;
}

/** A schema-valid explain request as evaluation input; the time must parse. */
export function toScenario(
  r: ExplainRequest,
  file: string,
  map: SourceMap,
  pointer: string,
): { ok: true; scenario: Scenario } | { ok: false; error: PolicyError } {
  const time = r.time === undefined ? undefined : parseInstant(r.time);
  if (r.time !== undefined && time === undefined) {
    return {
      ok: false,
      error: policyError(
        file,
        map.value(`${pointer}/time`),
        'time',
        `time "${r.time}" is not an ISO 8601 date-time`,
        'write it with an offset, e.g. "2026-11-23T10:00:00Z"',
      ),
    };
  }
  const requestedAt = r.requested_at === undefined ? undefined : parseInstant(r.requested_at);
  if (r.requested_at !== undefined && requestedAt === undefined) {
    return {
      ok: false,
      error: policyError(
        file,
        map.value(`${pointer}/requested_at`),
        'time',
        `requested_at "${r.requested_at}" is not an ISO 8601 date-time`,
        'write it with an offset, e.g. "2026-11-23T09:30:00Z"',
      ),
    };
  }
  const request: ApprovalRequest = {
    action: r.action,
    repository: r.repository ?? '',
    ref: r.ref,
    event: r.event,
    workflow: r.workflow,
    actor: r.actor,
    ...(r.triggering_actor !== undefined && { triggering_actor: r.triggering_actor }),
    ...(requestedAt !== undefined &&
      time !== undefined && { waited_seconds: Math.max(0, Math.floor((time - requestedAt) / 1000)) }),
    ...(r.sha !== undefined && { sha: r.sha }),
    ...(r.environment !== undefined && { environment: r.environment }),
    ...(r.reason !== undefined && { reason: r.reason }),
    ...(r.emergency === true && { emergency: true }),
    ...(r.permissions !== undefined && { permissions: r.permissions as Record<string, Level> }),
  };
  return {
    ok: true,
    scenario: { request, votes: r.votes ?? [], membership: r.membership ?? {}, time },
  };
}
