import { compileConditions, type RequestTest } from './conditions.ts';
import {
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_TTL_SECONDS,
  MAX_TIMEOUT_SECONDS,
  MAX_TTL_SECONDS,
  type CompiledFreeze,
  type CompiledPolicy,
} from './compiled.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { policyError, type PolicyError } from './errors.ts';
import { compileGlobs, globProblem } from './glob.ts';
import type { Level } from './permissions.ts';
import type { SourceMap } from './positions.ts';
import type { Conditions, Policy } from './types.generated.ts';
import { compileWindow, parseHours } from './windows.ts';
import { isTimeZone } from './zoned-time.ts';

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const TEAM = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Epoch ms of an ISO 8601 date-time with an offset; undefined when malformed or impossible. */
export function parseInstant(text: string): number | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m.map(Number);
  const date = new Date(Date.UTC(y!, mo! - 1, d!));
  if (date.getUTCMonth() !== mo! - 1 || date.getUTCDate() !== d! || h! > 23 || mi! > 59) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

interface Context {
  file: string;
  map: SourceMap;
  errors: PolicyError[];
}

function report(ctx: Context, pointer: string, rule: string, message: string, fix: string): void {
  ctx.errors.push(policyError(ctx.file, ctx.map.value(pointer), rule, message, fix));
}

function checkGlobs(
  ctx: Context,
  c: Conditions | { repositories: string[] },
  base: string,
  where: string,
): void {
  for (const [key, patterns] of Object.entries(c) as [string, string[]][]) {
    patterns.forEach((pattern, i) => {
      const problem = globProblem(pattern);
      if (problem) {
        report(
          ctx,
          `${base}/${key}/${i}`,
          'glob',
          `${where}.${key}: pattern "${pattern}" ${problem}`,
          'use `*` for any characters within a segment, `**` across `/`, `?` for one character',
        );
      }
    });
  }
}

function checkDuration(
  ctx: Context,
  text: string,
  pointer: string,
  what: string,
  max: number,
): number | undefined {
  const seconds = parseDuration(text);
  if (seconds === undefined || seconds <= 0 || seconds > max) {
    const got = seconds === undefined ? `"${text}" is not a duration` : `${text} is out of range`;
    report(
      ctx,
      pointer,
      'duration',
      `${what}: ${got}`,
      `use a duration above 0s and at most ${formatDuration(max)}, such as 15m or 1h30m`,
    );
    return undefined;
  }
  return seconds;
}

function compileFreeze(ctx: Context, p: Policy, base: string): CompiledFreeze[] {
  return (p.freeze ?? []).flatMap((f, i) => {
    const at = `${base}/freeze/${i}`;
    const from = parseInstant(f.from);
    const until = parseInstant(f.until);
    const fix = 'write an ISO 8601 date-time with an offset in quotes, e.g. "2026-12-20T00:00:00Z"';
    if (from === undefined)
      report(ctx, `${at}/from`, 'freeze', `freeze.from: "${f.from}" is not a date-time`, fix);
    if (until === undefined)
      report(ctx, `${at}/until`, 'freeze', `freeze.until: "${f.until}" is not a date-time`, fix);
    if (from === undefined || until === undefined) return [];
    if (from >= until) {
      report(
        ctx,
        `${at}/until`,
        'freeze',
        `freeze.until (${f.until}) is not after freeze.from (${f.from})`,
        'set `until` after `from`; `until` is exclusive',
      );
      return [];
    }
    const reason = f.reason ?? 'change freeze';
    return [{ from, until, reason, label: `${reason} (${f.from} – ${f.until})` }];
  });
}

/** `match`, narrowed by `scope.repositories` (globs on the repository's name, without its owner). */
function scoped(match: RequestTest, repositories: readonly string[] | undefined): RequestTest {
  if (!repositories) return match;
  const inScope = compileGlobs(repositories, { nocase: true });
  return (r) => inScope(r.repository.slice(r.repository.indexOf('/') + 1)) && match(r);
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
  (p.break_glass?.approvers.teams ?? []).forEach((t, i) => {
    if (!TEAM.test(t))
      report(
        ctx,
        `${base}/break_glass/approvers/teams/${i}`,
        'team',
        `${name}: team "${t}" is not in org/team-slug form`,
        'write the organization and the team slug, e.g. acme/incident-commanders',
      );
  });
  const glassUsers = p.break_glass?.approvers.users ?? [];
  const glassTeams = p.break_glass?.approvers.teams ?? [];
  if (p.break_glass && glassUsers.length + glassTeams.length === 0)
    report(
      ctx,
      `${base}/break_glass/approvers`,
      'break_glass',
      `${name}: break_glass lists no approvers`,
      'list who may grant an emergency override (users or teams), e.g. the incident commanders',
    );
  const glassRequired = p.break_glass?.required ?? 1;
  const glassDistinct = new Set(glassUsers.map((u) => u.toLowerCase())).size;
  if (p.break_glass && glassTeams.length === 0 && glassDistinct > 0 && glassRequired > glassDistinct)
    report(
      ctx,
      `${base}/break_glass/required`,
      'required',
      `${name}: break_glass requires ${glassRequired} but only ${glassDistinct} user(s) may grant it`,
      `lower break_glass.required to at most ${glassDistinct}, list more users, or add a team`,
    );
  if (p.break_glass && !p.freeze?.length && !p.windows?.length)
    report(
      ctx,
      `${base}/break_glass`,
      'break_glass',
      `${name}: break_glass overrides a freeze or windows, and this policy has neither`,
      'add the freeze or windows it overrides, or remove break_glass',
    );
  (p.auto_approve ?? []).forEach((c, i) =>
    checkGlobs(ctx, c, `${base}/auto_approve/${i}`, `${name}: auto_approve[${i}]`),
  );

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
  const freeze = compileFreeze(ctx, p, base);

  const users = p.approvers?.users ?? [];
  const teams = p.approvers?.teams ?? [];
  teams.forEach((t, i) => {
    if (!TEAM.test(t)) {
      report(
        ctx,
        `${base}/approvers/teams/${i}`,
        'team',
        `${name}: team "${t}" is not in org/team-slug form`,
        'write the organization and the team slug, e.g. acme/sre',
      );
    }
  });
  const required = p.required ?? 1;
  const distinctUsers = new Set(users.map((u) => u.toLowerCase())).size;
  const guard = users.length + teams.length === 0 && !p.auto_approve?.length;
  if (guard && p.required !== undefined) {
    report(
      ctx,
      `${base}/required`,
      'required',
      `${name}: required is set but the policy lists no approvers`,
      'list approvers (users or teams), or remove required to make this a guard policy',
    );
  } else if (teams.length === 0 && users.length > 0 && required > distinctUsers) {
    report(
      ctx,
      `${base}/required`,
      'required',
      `${name}: required is ${required} but only ${distinctUsers} user(s) may approve`,
      `lower required to at most ${distinctUsers}, list more users, or add a team`,
    );
  }

  const timeoutSeconds =
    p.timeout === undefined
      ? DEFAULT_TIMEOUT_SECONDS
      : checkDuration(ctx, p.timeout, `${base}/timeout`, `${name}: timeout`, MAX_TIMEOUT_SECONDS);
  const ttlSeconds =
    p.token?.ttl === undefined
      ? DEFAULT_TTL_SECONDS
      : checkDuration(ctx, p.token.ttl, `${base}/token/ttl`, `${name}: token.ttl`, MAX_TTL_SECONDS);

  const remindEvery =
    p.notify?.remind_every === undefined
      ? null
      : checkDuration(
          ctx,
          p.notify.remind_every,
          `${base}/notify/remind_every`,
          `${name}: notify.remind_every`,
          MAX_TIMEOUT_SECONDS,
        );
  if (remindEvery !== null && remindEvery !== undefined && remindEvery < 60)
    report(
      ctx,
      `${base}/notify/remind_every`,
      'duration',
      `${name}: notify.remind_every is ${p.notify!.remind_every}, shorter than a minute`,
      'remind at most once a minute, e.g. remind_every: 30m',
    );

  const escalations = (p.escalate ?? []).map((e, i) => {
    const after = checkDuration(
      ctx,
      e.after,
      `${base}/escalate/${i}/after`,
      `${name}: escalate[${i}].after`,
      MAX_TIMEOUT_SECONDS,
    );
    (e.approvers.teams ?? []).forEach((t, j) => {
      if (!TEAM.test(t))
        report(
          ctx,
          `${base}/escalate/${i}/approvers/teams/${j}`,
          'team',
          `${name}: team "${t}" is not in org/team-slug form`,
          'write the organization and the team slug, e.g. acme/sre',
        );
    });
    const users = e.approvers.users ?? [];
    return {
      afterSeconds: after ?? 0,
      users: new Set(users.map((u) => u.toLowerCase())),
      userList: users,
      teams: e.approvers.teams ?? [],
    };
  });
  if (escalations.length > 0 && guard)
    report(
      ctx,
      `${base}/escalate`,
      'escalate',
      `${name}: escalate needs approvers to escalate from`,
      'list approvers (users or teams), or remove escalate',
    );

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
    autoApprove: (p.auto_approve ?? []).map((c) => compileConditions(c, 'all')),
    windows: (p.windows ?? []).map(compileWindow),
    freeze,
    timeoutSeconds: timeoutSeconds!,
    notify: {
      github: p.notify?.github ?? 'comment',
      webhooks: p.notify?.webhooks ?? [],
      remindEverySeconds: remindEvery ?? null,
    },
    escalations: [...escalations].sort((a, b) => a.afterSeconds - b.afterSeconds),
    breakGlass: p.break_glass
      ? {
          users: new Set(glassUsers.map((u) => u.toLowerCase())),
          userList: glassUsers,
          teams: glassTeams,
          required: p.break_glass.required ?? 1,
        }
      : null,
    token: p.token
      ? { permissions: p.token.permissions as Record<string, Level>, ttlSeconds: ttlSeconds! }
      : null,
  };
}
