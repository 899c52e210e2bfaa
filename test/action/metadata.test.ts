import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CompositeRun } from '../actions-runner/composite-runner.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const action = load(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
  runs: { steps: { run?: string }[] };
};
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const rows = (header: string): string[][] => {
  const table = readme
    .slice(readme.indexOf(`| ${header}`))
    .split('\n\n')[0]!
    .split('\n')
    .slice(2);
  return table.map((r) =>
    r
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  );
};

describe('action.yml', () => {
  it('is documented input by input in the README', () => {
    expect(rows('input')).toEqual(
      Object.entries(action.inputs).map(([name, i]) => [
        `\`${name}\``,
        i.required ? 'yes' : 'no',
        i.description,
      ]),
    );
  });

  it('is documented output by output in the README', () => {
    expect(rows('output ')).toEqual(
      Object.entries(action.outputs).map(([name, o]) => [`\`${name}\``, o.description]),
    );
  });

  it('never splices an input into its script', () => {
    for (const step of action.runs.steps) expect(step.run ?? '').not.toContain('${{');
  });

  it.each([['too old', 'v18.19.0', /Node\.js v18\.19\.0 is too old; 20 or later is needed/]])(
    'fails with how to fix it when node on PATH is %s',
    async (_, version, message) => {
      const dir = mkdtempSync(join(tmpdir(), 'old-node-'));
      writeFileSync(
        join(dir, 'node'),
        `#!/bin/sh\nif [ "$1" = "-p" ]; then echo ${version.slice(1).split('.')[0]}; else echo ${version}; fi\n`,
      );
      chmodSync(join(dir, 'node'), 0o755);
      const github = {
        repository: 'a/b',
        sha: 'x',
        ref: 'refs/heads/main',
        event_name: 'push',
        actor: 'd',
        run_id: '1',
        workflow: 'w',
        job: 'j',
      };
      const result = await new CompositeRun({
        actionPath: root,
        inputs: { action: 'x', 'app-url': 'http://127.0.0.1:9' },
        github,
        nodeDir: dir,
      }).result;
      expect(result.conclusion).toBe('failure');
      expect(result.log.join('\n')).toMatch(message);
      expect(result.log.join('\n')).not.toMatch(/\n\s+at /);
    },
  );
});
