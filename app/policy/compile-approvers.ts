import { MAX_TIMEOUT_SECONDS, type BreakGlass, type Escalation } from './compiled.ts';
import { checkDuration, checkTeams, report, type Context } from './compile-context.ts';
import type { Policy } from './types.generated.ts';

const lowerSet = (users: readonly string[]): Set<string> => new Set(users.map((u) => u.toLowerCase()));

/** Checks who may override the policy's freeze and windows (`break_glass`), and compiles it. */
export function compileBreakGlass(ctx: Context, p: Policy, base: string, name: string): BreakGlass | null {
  checkTeams(
    ctx,
    p.break_glass?.approvers.teams ?? [],
    `${base}/break_glass/approvers/teams`,
    name,
    'acme/incident-commanders',
  );
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
  const glassDistinct = lowerSet(glassUsers).size;
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
  return p.break_glass
    ? {
        users: lowerSet(glassUsers),
        userList: glassUsers,
        teams: glassTeams,
        required: p.break_glass.required ?? 1,
      }
    : null;
}

/**
 * Checks the policy's approvers and how many must approve (`approvers`, `required`). A policy with
 * neither approvers nor `auto_approve` is a `guard`: it only refuses.
 */
export function checkApprovers(
  ctx: Context,
  p: Policy,
  base: string,
  name: string,
): { users: string[]; teams: string[]; required: number; guard: boolean } {
  const users = p.approvers?.users ?? [];
  const teams = p.approvers?.teams ?? [];
  checkTeams(ctx, teams, `${base}/approvers/teams`, name, 'acme/sre');
  const required = p.required ?? 1;
  const distinctUsers = lowerSet(users).size;
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
  return { users, teams, required, guard };
}

/** Checks and compiles `escalate`, soonest first; a guard policy has no approvers to escalate from. */
export function compileEscalations(
  ctx: Context,
  p: Policy,
  base: string,
  name: string,
  guard: boolean,
): Escalation[] {
  const escalations = (p.escalate ?? []).map((e, i) => {
    const after = checkDuration(
      ctx,
      e.after,
      `${base}/escalate/${i}/after`,
      `${name}: escalate[${i}].after`,
      MAX_TIMEOUT_SECONDS,
    );
    checkTeams(ctx, e.approvers.teams ?? [], `${base}/escalate/${i}/approvers/teams`, name, 'acme/sre');
    const users = e.approvers.users ?? [];
    return {
      afterSeconds: after ?? 0,
      users: lowerSet(users),
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
  return [...escalations].sort((a, b) => a.afterSeconds - b.afterSeconds);
}
