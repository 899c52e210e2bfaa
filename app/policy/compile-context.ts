import { formatDuration, parseDuration } from './duration.ts';
import { policyError, type PolicyError } from './errors.ts';
import { globProblem } from './glob.ts';
import type { SourceMap } from './positions.ts';
import type { Conditions } from './types.generated.ts';

const TEAM = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Where compiling a policy reports what it finds: its file, the file's positions, the errors so far. */
export interface Context {
  file: string;
  map: SourceMap;
  errors: PolicyError[];
}

/** Adds an error at JSON pointer `pointer` of the file, with the rule it breaks and how to fix it. */
export function report(ctx: Context, pointer: string, rule: string, message: string, fix: string): void {
  ctx.errors.push(policyError(ctx.file, ctx.map.value(pointer), rule, message, fix));
}

/** Reports each glob of `c` (conditions, or a scope) that is not a pattern the engine can match. */
export function checkGlobs(
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

/** Reports each team of `teams` (at `base/<i>`) not written as `org/team-slug`. */
export function checkTeams(
  ctx: Context,
  teams: readonly string[],
  base: string,
  name: string,
  example: string,
): void {
  teams.forEach((t, i) => {
    if (!TEAM.test(t))
      report(
        ctx,
        `${base}/${i}`,
        'team',
        `${name}: team "${t}" is not in org/team-slug form`,
        `write the organization and the team slug, e.g. ${example}`,
      );
  });
}

/** `text` in seconds, or undefined (reported) when it is no duration or outside (0, max]. */
export function checkDuration(
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
