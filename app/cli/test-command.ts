import { join } from 'node:path';
import { loadPolicyTests, runPolicyTests } from '../policy/policy-tests.ts';
import type { Io } from './io.ts';
import { readYamlDir } from './read-dir.ts';
import { renderErrors, type ErrorFormat } from './render-errors.ts';
import { loadPolicySet } from './policy-set.ts';

/**
 * `jit-approvals test [dir] [--org-policies dir]`: runs `dir/tests/*.yml` against the policies in
 * `dir`, under the organization's in `orgDir` when given; 0 all pass, 1 otherwise.
 */
export async function testCommand(
  dir: string,
  format: ErrorFormat,
  io: Io,
  orgDir?: string,
): Promise<number> {
  const { result: policies } = await loadPolicySet(dir, orgDir, io);
  const testDir = join(dir, 'tests');
  const tests = loadPolicyTests(await readYamlDir(testDir, { optional: true }));
  const errors = [...(policies.ok ? [] : policies.errors), ...(tests.ok ? [] : tests.errors)];
  if (errors.length > 0 || !policies.ok || !tests.ok) {
    io.stdout(renderErrors(errors, format));
    io.stderr(`${errors.length} error(s): fix them before the tests can run`);
    return 1;
  }
  if (tests.cases.length === 0) {
    io.stderr(`no policy tests in ${testDir}: add *.yml files with a \`tests:\` list`);
    return 1;
  }
  const results = runPolicyTests(policies.policies, tests.cases);
  const failed = results.filter((r) => r.failures.length > 0);
  if (format === 'json') {
    io.stdout(
      JSON.stringify(
        results.map((r) => ({
          file: r.test.file,
          line: r.test.line,
          name: r.test.name,
          passed: r.failures.length === 0,
          failures: r.failures,
          decision: r.decision,
        })),
        null,
        2,
      ),
    );
  } else {
    for (const r of results) {
      const where = `${r.test.file}:${r.test.line}`;
      if (r.failures.length === 0) {
        io.stdout(`PASS  ${where}  ${r.test.name}`);
        continue;
      }
      io.stdout(`FAIL  ${where}  ${r.test.name}`);
      for (const f of r.failures) io.stdout(`        ${f}`);
      for (const reason of r.decision.reasons) io.stdout(`        | ${reason.message}`);
      if (format === 'github') {
        io.stdout(
          renderErrors(
            [
              {
                file: r.test.file,
                line: r.test.line,
                column: 1,
                rule: 'test',
                message: `policy test "${r.test.name}" failed: ${r.failures.join('; ')}`,
                fix: 'fix the policy or the expectation',
              },
            ],
            'github',
          ),
        );
      }
    }
  }
  io.stderr(`${results.length - failed.length} passed, ${failed.length} failed`);
  return failed.length > 0 ? 1 : 0;
}
