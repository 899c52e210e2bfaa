import type { CompiledPolicy } from './compiled.ts';
import type { Decision } from './decision.ts';
import { policyError, type PolicyError } from './errors.ts';
import { evaluate } from './evaluate.ts';
import { parseSchemaFiles, type SourceFile } from './parse-file.ts';
import { toScenario, type Scenario } from './scenario.ts';
import { policyTestFileValidator } from './schema.ts';
import type { Expectation } from './tests-types.generated.ts';

export interface PolicyTestCase {
  file: string;
  line: number;
  name: string;
  scenario: Scenario & { time: number };
  expect: Expectation;
}

export interface PolicyTestResult {
  test: PolicyTestCase;
  decision: Decision;
  /** Empty when the case passed. */
  failures: string[];
}

export type LoadedTests = { ok: true; cases: PolicyTestCase[] } | { ok: false; errors: PolicyError[] };

/** Parses and validates policy test files (`.approvals/tests/*.yml`). */
export function loadPolicyTests(sources: readonly SourceFile[]): LoadedTests {
  const cases: PolicyTestCase[] = [];
  const { parsed: files, errors } = parseSchemaFiles(sources, policyTestFileValidator());
  for (const parsed of files) {
    parsed.value.tests.forEach((t, i) => {
      const at = `/tests/${i}`;
      const converted = toScenario(t.request, parsed.path, parsed.map, `${at}/request`);
      if (!converted.ok) return void errors.push(converted.error);
      const { time } = converted.scenario;
      if (time === undefined) {
        return void errors.push(
          policyError(
            parsed.path,
            parsed.map.key(`${at}/request`),
            'time',
            `test "${t.name}" has no request.time`,
            'give every test a fixed time, e.g. time: "2026-11-23T10:00:00Z"',
          ),
        );
      }
      const line = parsed.map.value(at).line;
      cases.push({
        file: parsed.path,
        line,
        name: t.name,
        scenario: { ...converted.scenario, time },
        expect: t.expect,
      });
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, cases };
}

const list = (xs: readonly string[]): string => (xs.length === 0 ? '(none)' : xs.join(', '));
const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
const permissionsText = (p: Readonly<Record<string, string>> | null): string =>
  p === null
    ? 'no token'
    : list(
        Object.entries(p)
          .map(([k, v]) => `${k}: ${v}`)
          .sort(),
      );

/** What differs between a decision and an expectation; empty when it meets it. */
export function compareDecision(decision: Decision, expect: Expectation): string[] {
  const failures: string[] = [];
  if (decision.outcome !== expect.outcome)
    failures.push(`outcome: expected ${expect.outcome}, got ${decision.outcome}`);
  if (expect.auto !== undefined && decision.auto !== expect.auto)
    failures.push(`auto: expected ${expect.auto}, got ${decision.auto}`);
  if (expect.policies && !sameSet(expect.policies, decision.policies)) {
    failures.push(`policies: expected ${list(expect.policies)}, got ${list(decision.policies)}`);
  }
  if (expect.token !== undefined) {
    const want = permissionsText(expect.token as Record<string, string> | null);
    const got = permissionsText(decision.token?.permissions ?? null);
    if (want !== got) failures.push(`token: expected ${want}, got ${got}`);
  }
  const glass = decision.break_glass?.policies;
  if (expect.break_glass !== undefined && expect.break_glass !== (glass !== undefined))
    failures.push(
      `break_glass: expected ${expect.break_glass}, got ${glass ? `true (it overrides ${list(glass)})` : 'false'}`,
    );
  for (const text of expect.reasons ?? []) {
    if (!decision.reasons.some((r) => r.message.includes(text)))
      failures.push(`reasons: none contains "${text}"`);
  }
  return failures;
}

export function runPolicyTests(
  policies: readonly CompiledPolicy[],
  cases: readonly PolicyTestCase[],
): PolicyTestResult[] {
  return cases.map((test) => {
    const { request, votes, membership, time, signals } = test.scenario;
    const decision = evaluate(policies, request, votes, membership, time, signals);
    return { test, decision, failures: compareDecision(decision, test.expect) };
  });
}
