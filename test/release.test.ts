// From this repository to what users run: the release workflow, the linted actions and workflows,
// the license, and the README's Quickstart naming usages that exist.
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { root } from './helpers/cli.ts';

const read = (file: string): string => readFileSync(join(root, file), 'utf8');

interface Workflow {
  on: { push?: { tags?: string[] } };
  permissions: Record<string, string>;
  jobs: Record<
    string,
    {
      permissions?: Record<string, string>;
      needs?: string[] | string;
      steps: { uses?: string; run?: string }[];
    }
  >;
}

describe('.github/workflows/release.yml', () => {
  const release = load(read('.github/workflows/release.yml')) as Workflow;
  const steps = (job: string): string =>
    release.jobs[job]!.steps.map((s) => `${s.uses ?? ''}\n${s.run ?? ''}`).join('\n');

  it('runs on a version tag, not on the major tag it moves', () => {
    expect(release.on.push?.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+*']);
  });

  it('gives the workflow no permission, and each job only what it needs', () => {
    expect(release.permissions).toEqual({});
    const granted = Object.fromEntries(
      Object.entries(release.jobs).map(([name, job]) => [name, job.permissions]),
    );
    expect(granted).toEqual({
      check: { contents: 'read' },
      npm: { contents: 'read', 'id-token': 'write' },
      image: { contents: 'read', packages: 'write' },
      major: { contents: 'write' },
    });
  });

  it('publishes the npm package, pushes the image to ghcr.io and then moves the major tag', () => {
    expect(steps('npm')).toMatch(/npm publish --provenance/);
    expect(steps('image')).toMatch(/docker\/build-push-action@v\d/);
    expect(JSON.stringify(release.jobs.image)).toContain('ghcr.io/${{ github.repository }}');
    expect(release.jobs.major!.needs).toEqual(['npm', 'image']);
    expect(steps('major')).toMatch(/major="\$\{TAG%%\.\*\}"/);
    expect(steps('major')).toMatch(/git push --force origin "refs\/tags\/\$major"/);
  });

  it('checks that the tag is the package version and the committed bundles are fresh', () => {
    expect(steps('check')).toMatch(/"\$TAG" != "v\$version"/);
    expect(steps('check')).toMatch(/npm run build:validate/);
    expect(steps('check')).toMatch(/git diff --exit-code --stat -- action\/dist validate\/dist/);
  });
});

describe('npm run lint:actions', () => {
  it('covers both actions, this repository workflows and the examples, and they pass', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/lint-actions.ts'], {
      cwd: root,
    });
    const linted = stdout.trim().split('\n');
    expect(linted).toEqual(
      expect.arrayContaining([
        'action.yml: passes action-validator',
        'validate/action.yml: passes action-validator',
        ...readdirSync(join(root, '.github/workflows')).map(
          (f) => `.github/workflows/${f}: passes actionlint and action-validator`,
        ),
        'examples/workflows/deploy.yml: passes actionlint and action-validator',
        'examples/workflows/policy-check.yml: passes actionlint and action-validator',
      ]),
    );
  });
});

describe('what users are told to use exists', () => {
  const readme = read('README.md');
  const quickstart = readme.slice(
    readme.indexOf('## Quickstart'),
    readme.indexOf('\n## ', readme.indexOf('## Quickstart') + 1),
  );

  it('the README and the examples use <owner>/jit-approvals@v1 and <owner>/jit-approvals/validate@v1', () => {
    const uses = (text: string) =>
      [...text.matchAll(/uses: ([^\s`]*jit-approvals[^\s`]*)/g)].map((m) => m[1]);
    const all = [readme, read('examples/workflows/deploy.yml'), read('examples/workflows/policy-check.yml')];
    expect(new Set(all.flatMap(uses))).toEqual(
      new Set(['<owner>/jit-approvals@v1', '<owner>/jit-approvals/validate@v1']),
    );
    expect(quickstart).toContain('<owner>/jit-approvals/validate@v1');
    expect(quickstart).toMatch(/replace `<owner>`/i);
    expect(quickstart).toMatch(/commit SHA/);
  });

  it('the policy check installs nothing', () => {
    const check = read('examples/workflows/policy-check.yml');
    expect(check).not.toMatch(/npm (install|ci)|npx|setup-node/);
  });

  it('the LICENSE is the one package.json names', () => {
    const { license } = JSON.parse(read('package.json')) as { license: string };
    expect(license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License\n/);
  });
});
