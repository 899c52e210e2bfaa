import { CONDITION_KEYS, compileConditions, type RequestTest } from './conditions.ts';
import { checkApprovers, compileBreakGlass, compileEscalations } from './compile-approvers.ts';
import { checkDuration, checkGlobs, checkTeams, report, type Context } from './compile-context.ts';
import { compileEvidence, DEFAULT_CHECKS_TIMEOUT_SECONDS, type CompiledEvidence } from './evidence.ts';
import {
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_TTL_SECONDS,
  MAX_TIMEOUT_SECONDS,
  MAX_TTL_SECONDS,
  type CompiledPolicy,
} from './compiled.ts';
import { formatDuration } from './duration.ts';
import type { PolicyError } from './errors.ts';
import { compileFreeze } from './freeze.ts';
import { compileGlobs } from './glob.ts';
import type { Level } from './permissions.ts';
import type { SourceMap } from './positions.ts';
import type { Conditions, Policy } from './types.generated.ts';
import { compileWindow, parseHours } from './windows.ts';
import { isTimeZone } from './zoned-time.ts';

/** `match`, narrowed by `scope.repositories` (globs on the repository's name, without its owner). */
function scoped(match: RequestTest, repositories: readonly string[] | undefined): RequestTest {
  if (!repositories) return match;
  const inScope = compileGlobs(repositories, { nocase: true });
  return (r) => inScope(r.repository.slice(r.repository.indexOf('/') + 1)) && match(r);
}

/** Checks the globs of `match` and `scope`; a scope pattern with a `/` would match nothing. */
function checkMatch(ctx: Context, p: Policy, base: string, name: string): void {
  checkGlobs(ctx, p.match, `${base}/match`, `${name}: match`);
  if (p.scope) checkGlobs(ctx, p.scope, `${base}/scope`, `${name}: scope`);
  // A repository's name has no `/`: a pattern with one (`acme/payments-*`) would never match, and
  // the organization policy would silently govern nothing.
  (p.scope?.repositories ?? []).forEach((pattern, i) => {
    if (pattern !== '**' && pattern.includes('/'))
      report(
        ctx,
        `${base}/scope/repositories/${i}`,
        'scope',
        `${name}: scope pattern "${pattern}" has a "/", and repository names (without the owner) have none: it matches nothing`,
        'write the repository name without its owner, e.g. payments-*',
      );
  });
}

/**
 * Checks each `auto_approve` entry: its globs, its teams, and `checks_timeout` (only with `checks`,
 * within the policy's `timeout`). Returns the entries' conditions and compiled evidence.
 */
function compileAutoApprove(
  ctx: Context,
  p: Policy,
  base: string,
  name: string,
  policyTimeout: number,
): { conditions: Conditions; evidence: CompiledEvidence }[] {
  return (p.auto_approve ?? []).map((c, i) => {
    const at = `${base}/auto_approve/${i}`;
    const where = `${name}: auto_approve[${i}]`;
    const conditions: Conditions = Object.fromEntries(
      CONDITION_KEYS.filter((k) => c[k] !== undefined).map((k) => [k, c[k]!]),
    );
    checkGlobs(ctx, conditions, at, where);
    const globs: Record<string, string[]> = {};
    if (Array.isArray(c.checks)) globs.checks = c.checks;
    if (c.changed_paths) globs.changed_paths = c.changed_paths;
    checkGlobs(ctx, globs as Conditions, at, where);
    checkTeams(ctx, c.pull_request?.teams ?? [], `${at}/pull_request/teams`, where, 'acme/reviewers');
    // Waiting on checks ends before the request does: by default at half the policy's timeout at most.
    let timeout = Math.min(DEFAULT_CHECKS_TIMEOUT_SECONDS, Math.floor(policyTimeout / 2));
    if (c.checks_from !== undefined && c.checks === undefined)
      report(
        ctx,
        `${at}/checks_from`,
        'checks_from',
        `${where}: checks_from without checks`,
        'add checks: true (or the checks to count), or remove checks_from',
      );
    if (c.checks_timeout !== undefined) {
      if (c.checks === undefined)
        report(
          ctx,
          `${at}/checks_timeout`,
          'checks_timeout',
          `${where}: checks_timeout without checks`,
          'add checks: true (or the checks to wait for), or remove checks_timeout',
        );
      const seconds = checkDuration(
        ctx,
        c.checks_timeout,
        `${at}/checks_timeout`,
        `${where}.checks_timeout`,
        MAX_TIMEOUT_SECONDS,
      );
      if (seconds !== undefined && seconds >= policyTimeout)
        report(
          ctx,
          `${at}/checks_timeout`,
          'checks_timeout',
          `${where}: checks_timeout ${c.checks_timeout} is not shorter than the policy's timeout (${formatDuration(policyTimeout)}): requests would time out before their approvers are asked`,
          'make checks_timeout shorter than timeout, e.g. half of it',
        );
      timeout = seconds ?? timeout;
    }
    return { conditions, evidence: compileEvidence(c, timeout) };
  });
}

/** Checks each window's `hours` and `timezone`. */
function checkWindows(ctx: Context, p: Policy, base: string, name: string): void {
  (p.windows ?? []).forEach((w, i) => {
    if (w.hours !== undefined && !parseHours(w.hours)) {
      report(
        ctx,
        `${base}/windows/${i}/hours`,
        'hours',
        `${name}: hours "${w.hours}" is not HH:MM-HH:MM`,
        'write hours like "09:00-17:00" (24-hour clock, start before end, or end before start to wrap past midnight; "00:00-24:00" for the whole day)',
      );
    }
    if (w.timezone !== undefined && !isTimeZone(w.timezone)) {
      report(
        ctx,
        `${base}/windows/${i}/timezone`,
        'timezone',
        `${name}: unknown time zone "${w.timezone}"`,
        'use an IANA time zone name such as Europe/Berlin, America/New_York or UTC',
      );
    }
  });
}

/** `notify.remind_every` in seconds (null: no reminders; undefined: reported as wrong). */
function remindEvery(ctx: Context, p: Policy, base: string, name: string): number | null | undefined {
  if (p.notify?.remind_every === undefined) return null;
  const seconds = checkDuration(
    ctx,
    p.notify.remind_every,
    `${base}/notify/remind_every`,
    `${name}: notify.remind_every`,
    MAX_TIMEOUT_SECONDS,
  );
  if (seconds !== undefined && seconds < 60)
    report(
      ctx,
      `${base}/notify/remind_every`,
      'duration',
      `${name}: notify.remind_every is ${p.notify.remind_every}, shorter than a minute`,
      'remind at most once a minute, e.g. remind_every: 30m',
    );
  return seconds;
}

/** Checks beyond the schema for one schema-valid policy, and compiles it. */
export function compilePolicy(
  p: Policy,
  index: number,
  file: string,
  map: SourceMap,
  errors: PolicyError[],
): CompiledPolicy | undefined {
  const ctx: Context = { file, map, errors };
  const before = errors.length;
  const base = `/policies/${index}`;
  const name = `policy "${p.name}"`;

  checkMatch(ctx, p, base, name);
  const breakGlass = compileBreakGlass(ctx, p, base, name);
  checkWindows(ctx, p, base, name);
  const freeze = compileFreeze(ctx, p, base);
  const { users, teams, required, guard } = checkApprovers(ctx, p, base, name);
  const timeoutSeconds =
    p.timeout === undefined
      ? DEFAULT_TIMEOUT_SECONDS
      : checkDuration(ctx, p.timeout, `${base}/timeout`, `${name}: timeout`, MAX_TIMEOUT_SECONDS);
  const ttlSeconds =
    p.token?.ttl === undefined
      ? DEFAULT_TTL_SECONDS
      : checkDuration(ctx, p.token.ttl, `${base}/token/ttl`, `${name}: token.ttl`, MAX_TTL_SECONDS);
  const remindEverySeconds = remindEvery(ctx, p, base, name);
  const autoApprove = compileAutoApprove(ctx, p, base, name, timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS);
  const escalations = compileEscalations(ctx, p, base, name, guard);

  if (errors.length > before) return undefined;
  return {
    name: p.name,
    description: p.description ?? '',
    file,
    line: map.value(base).line,
    match: scoped(compileConditions(p.match, 'any'), p.scope?.repositories),
    actions: p.match.action ?? null,
    guard,
    users: new Set(users.map((u) => u.toLowerCase())),
    userList: users,
    teams,
    required,
    selfApproval: p.self_approval ?? false,
    reasonRequired: p.reason_required ?? false,
    autoApprove: autoApprove.map((e) => ({ ...e, request: compileConditions(e.conditions, 'all') })),
    windows: (p.windows ?? []).map(compileWindow),
    freeze,
    timeoutSeconds: timeoutSeconds!,
    notify: {
      github: p.notify?.github ?? 'comment',
      webhooks: p.notify?.webhooks ?? [],
      remindEverySeconds: remindEverySeconds ?? null,
    },
    escalations,
    breakGlass,
    token: p.token
      ? { permissions: p.token.permissions as Record<string, Level>, ttlSeconds: ttlSeconds! }
      : null,
  };
}
