// The release's steps that need no secret, run by .github/workflows/release.yml and by a test:
//   node scripts/release.ts [--tag vX.Y.Z] [--out dir] [--dry-run]
// 1. the tag is package.json's version (v1.2.3 moves the major tag v1), and CHANGELOG.md has its
//    section, dated (the release's notes);
// 2. builds the CLI as one file (jit-approvals.mjs), its SHA-256, and its SBOM (CycloneDX: every
//    package esbuild put in it, at the version package-lock.json installed), and runs the file;
// 3. prints what the workflow then does with them (release, image tags, major tag) and, in a
//    workflow, writes them to $GITHUB_OUTPUT. --dry-run says what it would do instead of failing on
//    an undated CHANGELOG section, and is how CI and the tests exercise all this.
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleWithInputs } from './bundle.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

export class ReleaseError extends Error {}

export interface Plan {
  version: string;
  tag: string;
  /** The tag workflows use: v1 for 1.2.3; none for a pre-release (1.2.3-rc.1). */
  major: string | undefined;
  prerelease: boolean;
  notes: string;
}

/** Checks the tag against package.json and CHANGELOG.md; what the release is. */
export function plan(tag: string, dryRun: boolean, dir = root): Plan {
  const version = String(readJson(join(dir, 'package.json')).version);
  const semver = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/.exec(version);
  if (!semver) throw new ReleaseError(`package.json's version "${version}" is not X.Y.Z or X.Y.Z-pre`);
  if (tag !== `v${version}`)
    throw new ReleaseError(
      `the tag ${tag} is not v${version}, package.json's version: tag the commit whose package.json says the version (npm version X.Y.Z does both)`,
    );
  if (semver[1] === '0')
    throw new ReleaseError(
      `${version} would move the major tag v0, but workflows use @v1: release 1.0.0 or later`,
    );
  const changelog = readFileSync(join(dir, 'CHANGELOG.md'), 'utf8');
  const heading = new RegExp(`^## \\[${version.replaceAll('.', '\\.')}\\] - (.+)$`, 'm').exec(changelog);
  if (!heading) throw new ReleaseError(`CHANGELOG.md has no section "## [${version}] - YYYY-MM-DD"`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(heading[1]!)) {
    const problem = `CHANGELOG.md's section for ${version} says "${heading[1]}", not the release date`;
    if (!dryRun) throw new ReleaseError(`${problem}: date it (YYYY-MM-DD)`);
    process.stderr.write(`release: ${problem} (a real release refuses that)\n`);
  }
  const rest = changelog.slice(heading.index + heading[0].length);
  const notes = rest.slice(0, rest.search(/^## /m) === -1 ? undefined : rest.search(/^## /m)).trim();
  const prerelease = semver[4] !== undefined;
  return { version, tag, major: prerelease ? undefined : `v${semver[1]}`, prerelease, notes };
}

/** The package a bundled source file came from (`node_modules/@scope/name/…`), if any. */
function packageDir(input: string): string | undefined {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m ? input.slice(0, m.index + m[0].length - 1) : undefined;
}

/** A CycloneDX 1.5 SBOM of the file: the project, and every npm package bundled into it. */
export function sbom(
  inputs: readonly string[],
  file: { name: string; sha256: string },
  version: string,
): object {
  const dirs = [...new Set(inputs.map(packageDir).filter((d): d is string => d !== undefined))].sort();
  const components = dirs.map((dir) => {
    const pkg = readJson(join(root, dir, 'package.json'));
    const name = String(pkg.name);
    return {
      type: 'library',
      'bom-ref': `pkg:npm/${name}@${String(pkg.version)}`,
      name,
      version: String(pkg.version),
      purl: `pkg:npm/${name.replace(/^@/, '%40')}@${String(pkg.version)}`,
      ...(typeof pkg.license === 'string' && { licenses: [{ license: { id: pkg.license } }] }),
    };
  });
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: new Date().toISOString(),
      component: {
        type: 'application',
        'bom-ref': `pkg:npm/jit-approvals@${version}`,
        name: file.name,
        version,
        hashes: [{ alg: 'SHA-256', content: file.sha256 }],
        licenses: [{ license: { id: 'MIT' } }],
      },
    },
    components,
    dependencies: [
      { ref: `pkg:npm/jit-approvals@${version}`, dependsOn: components.map((c) => c['bom-ref']) },
    ],
  };
}

/** Runs the built file as a user would, with this Node; throws unless it answers as it should. */
function smoke(file: string, version: string): void {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [file, ...args], { cwd: root, encoding: 'utf8' });
  const v = run('--version');
  if (v.status !== 0 || v.stdout.trim() !== version)
    throw new ReleaseError(`the built CLI answered --version with "${v.stdout.trim()}" (${v.stderr.trim()})`);
  for (const command of ['validate', 'test']) {
    const r = run(command, 'examples/.approvals');
    if (r.status !== 0)
      throw new ReleaseError(
        `the built CLI failed \`${command} examples/.approvals\`: ${r.stdout}${r.stderr}`,
      );
  }
}

/** Builds the release's files into `out`; returns their paths. */
export async function buildFiles(p: Plan, out: string): Promise<Record<string, string>> {
  mkdirSync(out, { recursive: true });
  const built = join(out, 'build');
  const { files, inputs } = await bundleWithInputs('cli', built);
  if (files.length !== 1) throw new ReleaseError(`the CLI bundle is ${files.length} files, not one`);
  const cli = join(out, 'jit-approvals.mjs');
  copyFileSync(join(built, files[0]!), cli);
  smoke(cli, p.version);
  const sha256 = createHash('sha256').update(readFileSync(cli)).digest('hex');
  const paths = {
    cli,
    checksum: join(out, 'jit-approvals.mjs.sha256'),
    sbom: join(out, 'jit-approvals.mjs.cdx.json'),
    notes: join(out, 'notes.md'),
  };
  writeFileSync(paths.checksum, `${sha256}  jit-approvals.mjs\n`);
  const bom = sbom(inputs, { name: 'jit-approvals.mjs', sha256 }, p.version);
  writeFileSync(paths.sbom, `${JSON.stringify(bom, null, 2)}\n`);
  writeFileSync(paths.notes, `${p.notes}\n`);
  return paths;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { tag: { type: 'string' }, out: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  });
  const dryRun = values['dry-run'] === true;
  const version = String(readJson(join(root, 'package.json')).version);
  const tag = values.tag ?? process.env.GITHUB_REF_NAME ?? `v${version}`;
  const out = values.out ?? join(root, 'dist', 'release');
  try {
    const p = plan(tag, dryRun);
    const paths = await buildFiles(p, out);
    const repository = (process.env.GITHUB_REPOSITORY ?? '<owner>/jit-approvals').toLowerCase();
    const outputs = {
      version: p.version,
      tag: p.tag,
      major: p.major ?? '',
      prerelease: String(p.prerelease),
      image: `ghcr.io/${repository}`,
      dir: out,
      ...paths,
    };
    if (process.env.GITHUB_OUTPUT && existsSync(process.env.GITHUB_OUTPUT))
      appendFileSync(
        process.env.GITHUB_OUTPUT,
        Object.entries(outputs)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(''),
      );
    const say = (line: string) => process.stdout.write(`${line}\n`);
    say(`release ${p.tag}: ${Object.values(paths).join(', ')}`);
    say(
      `${dryRun ? 'would ' : ''}create the GitHub release ${p.tag}${p.prerelease ? ' (pre-release)' : ''} with jit-approvals.mjs, its .sha256 and its SBOM, notes from CHANGELOG.md`,
    );
    say(
      `${dryRun ? 'would ' : ''}push ${outputs.image}:${p.version}${p.major ? ` and :${p.major.slice(1)}` : ''}`,
    );
    say(
      p.major
        ? `${dryRun ? 'would ' : ''}move the tag ${p.major} to ${p.tag}`
        : 'a pre-release: no major tag moves',
    );
  } catch (err) {
    if (!(err instanceof ReleaseError)) throw err;
    process.stdout.write(`::error title=release::${err.message}\n`);
    process.stderr.write(`release: ${err.message}\n`);
    process.exit(1);
  }
}
