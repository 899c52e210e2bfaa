import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { loadPolicies } from '../app/policy/load.ts';
import { loadPolicyTests, runPolicyTests } from '../app/policy/policy-tests.ts';
import { explainRequestValidator, testSchema } from '../app/policy/schema.ts';
import { formatPolicyError } from '../app/policy/errors.ts';
import { load } from './helpers/policies.ts';
import { readDocs } from './helpers/docs.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
// README.md and docs/*.md: each example is checked wherever it lives.
const readme = readDocs();
const blocks = (lang: string): string[] =>
  [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

describe('the README and docs/', () => {
  it('its policy example is a valid policy file', () => {
    const examples = blocks('yaml').filter((b) => /^version: 1$/m.test(b));
    expect(examples).toHaveLength(1);
    const result = loadPolicies([{ path: 'README.md', content: examples[0]! }]);
    expect(result.ok ? [] : result.errors.map(formatPolicyError)).toEqual([]);
  });

  it('its policy test example passes against the example policies', () => {
    const tests = blocks('yaml').filter((b) => /^tests:$/m.test(b));
    expect(tests).toHaveLength(1);
    const loaded = loadPolicyTests([{ path: 'README.md', content: tests[0]! }]);
    if (!loaded.ok) throw new Error(loaded.errors.map(formatPolicyError).join('\n'));
    const examples = load(
      Object.fromEntries(
        ['bots', 'database', 'freeze', 'production'].map((f) => [
          f,
          readFileSync(`${root}/examples/.approvals/${f}.yml`),
        ]),
      ),
    );
    if (!examples.ok) throw new Error('examples are invalid');
    const results = runPolicyTests(examples.policies, loaded.cases);
    expect(results.map((r) => [r.test.name, r.failures])).toEqual(loaded.cases.map((c) => [c.name, []]));
  });

  it('its explain request example is valid, and its field table lists exactly the schema fields', () => {
    const [json] = blocks('json');
    expect(explainRequestValidator()(JSON.parse(json!))).toBe(true);
    const section = readme.slice(readme.indexOf('| field')).split('\n\n')[0]!;
    const table = [...section.matchAll(/^\| `(\w+)` +\| (yes|no) /gm)].map((m) => [m[1], m[2] === 'yes']);
    const request = testSchema.$defs.request;
    expect(Object.fromEntries(table)).toEqual(
      Object.fromEntries(Object.keys(request.properties).map((k) => [k, request.required.includes(k)])),
    );
  });

  it.each(blocks('console').map((b) => [b.split('\n')[0]!, b]))(
    '%s prints what the README shows',
    async (_, block) => {
      const [command, ...expected] = block.trimEnd().split('\n');
      const argv = command!.replace(/^\$ jit-approvals /, '').split(' ');
      expect((await runCli(...argv)).combined).toBe(expected.join('\n'));
    },
  );
});
