import { parseInstant } from './freeze.ts';
import { policyError, type PolicyError } from './errors.ts';
import type { Level } from './permissions.ts';
import type { SourceMap } from './positions.ts';
import type { ApprovalRequest, Membership, Vote } from './request.ts';
import type { Read, Signals } from './evidence.ts';
import type { ExplainRequest, Signals as WrittenSignals } from './tests-types.generated.ts';

/** Everything `evaluate` needs for one request, as a test case or `explain` gives it. */
export interface Scenario {
  request: ApprovalRequest;
  votes: Vote[];
  membership: Membership;
  /** Epoch ms, or undefined when the file gave no time. */
  time: number | undefined;
  /** Live evidence about the commit (`signals:`), as the app would have read it. */
  signals: Signals;
}

/** A kind of evidence as written (`{unreadable: why}`, or its value) as the engine reads it. */
function read<W, T>(written: W | { unreadable: string }, convert: (w: W) => T): Read<T> {
  return written !== null && typeof written === 'object' && 'unreadable' in written
    ? { ok: false, error: written.unreadable }
    : { ok: true, value: convert(written as W) };
}

/** The `signals:` of a request or test case as the engine's evidence. */
export function toSignals(s: WrittenSignals | undefined): Signals {
  if (!s) return {};
  return {
    ...(s.checks !== undefined && {
      checks: read(s.checks, (cs: Exclude<WrittenSignals['checks'], { unreadable: string } | undefined>) =>
        cs.map((c) => ({
          name: c.name,
          state: c.state,
          conclusion: c.conclusion ?? c.state,
          source: c.source ?? 'github-actions',
        })),
      ),
    }),
    ...(s.pull_request !== undefined && {
      pull_request: read(
        s.pull_request,
        (pr: Exclude<WrittenSignals['pull_request'], { unreadable: string } | undefined>) =>
          pr === null
            ? null
            : {
                number: pr.number,
                author: pr.author,
                approvals: pr.approved_by.map((a) =>
                  typeof a === 'string' ? { login: a } : { login: a.login, teams: a.teams ?? [] },
                ),
              },
      ),
    }),
    ...(s.changes !== undefined && {
      changes: {
        '*': read(s.changes, (c: Exclude<WrittenSignals['changes'], { unreadable: string } | undefined>) =>
          c === null
            ? null
            : {
                base: c.base,
                files: c.files.map((f) =>
                  typeof f === 'string' ? { path: f, lines: 0 } : { path: f.path, lines: f.lines ?? 0 },
                ),
              },
        ),
      },
    }),
    ...(s.verified_commit !== undefined && { verified_commit: read(s.verified_commit, (v: boolean) => v) }),
  };
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
    scenario: {
      request,
      votes: r.votes ?? [],
      membership: r.membership ?? {},
      time,
      signals: toSignals(r.signals),
    },
  };
}
