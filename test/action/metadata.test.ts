import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { BUNDLES } from '../../scripts/bundle.ts';
import { CompositeRun } from '../actions-runner/composite-runner.ts';
import { readDocs } from '../helpers/docs.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const action = load(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
  runs: { steps: { run?: string }[] };
};
const readme = readDocs(); // README.md and docs/*.md
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
  it('is documented input by input in the docs', () => {
    expect(rows('input')).toEqual(
      Object.entries(action.inputs).map(([name, i]) => [
        `\`${name}\``,
        i.required ? 'yes' : 'no',
        i.description,
      ]),
    );
  });

  it('is documented output by output in the docs', () => {
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

describe('one Node floor and one piece of advice, wherever they are said', () => {
  const read = (file: string): string => readFileSync(join(root, file), 'utf8');

  it('both actions need node 20 or later and advise the same setup-node, as the README says', () => {
    for (const file of ['action.yml', 'validate/action.yml']) {
      const text = read(file);
      expect(text, file).toMatch(/if \[ "\$major" -lt 20 \]; then/);
      expect(text, file).toContain('20 or later is needed.');
      const advice = [...text.matchAll(/actions\/setup-node \(node-version: (\d+)\)/g)].map((m) => m[1]);
      expect(new Set(advice), file).toEqual(new Set(['24']));
    }
    // The bundles they run are built for that floor.
    expect(read('package.json')).toContain('--target=node20 ');
    expect([BUNDLES.validate.target, BUNDLES.cli.target]).toEqual(['node20', 'node20']);
    const said = [...readme.matchAll(/runner's `node` \((\d+) or\s+later/g)].map((m) => m[1]);
    expect(said).toEqual(['20', '20']);
    expect(readme).toMatch(/runners need `node` 20 or later/);
  });

  it('the error for a job without an OIDC token gives the README’s advice: id-token: write on this job only', () => {
    const source = read('action/src/main.ts');
    expect(source).toContain('Add to this job (this job only, not the whole workflow)');
    expect(source).toContain('permissions:\\n    id-token: write');
    expect(readme).toContain(
      'Give `id-token: write` to **the job that uses the action, not the whole workflow**.',
    );
    expect(read('action/dist/index.js')).toContain('Add to this job (this job only, not the whole workflow)');
  });
});
