// Every entry point on the Node the machines ship (20): one line saying which Node is needed and
// how to get it, never `node: bad option: ...`; `npm ci` refuses it before installing anything.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { root } from './helpers/cli.ts';

const OLD_NODE = '/usr/bin/node';
const run = promisify(execFile);
/** Runs a command with only the old Node on PATH; resolves with its code and output. */
const old = (file: string, args: string[], cwd = root, path = `${dirname(OLD_NODE)}:/bin`) =>
  run(file, args, { cwd, env: { PATH: path, HOME: process.env.HOME ?? '/root' } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
const ONE_LINE =
  /^jit-approvals needs Node\.js 22\.13 or later \(24 recommended\) to [a-z -]+; this is v\d+\.\d+\.\d+\. Install Node 24 from https:\/\/nodejs\.org .*npm install --prefix ~\/\.node24 node@24.*\n$/;

describe('on Node 20', () => {
  it('the old Node is there (CI machines start with it)', async () => {
    expect(existsSync(OLD_NODE)).toBe(true);
    expect((await old(OLD_NODE, ['--version'])).stdout).toMatch(/^v20\./);
  });

  it.each([
    ['the CLI', ['bin/jit-approvals.js', 'validate'], 2],
    ['npm start', ['scripts/launch.js', 'start'], 1],
    ['npm run demo', ['scripts/launch.js', 'demo'], 1],
    ['npm test', ['scripts/launch.js', 'test'], 1],
    ['npm test (its pretest)', ['scripts/launch.js', 'check', 'run the tests'], 1],
  ])('%s says in one line which Node is needed and how to get it', async (_, args, code) => {
    const r = await old(OLD_NODE, args);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(ONE_LINE);
  });

  it.each(['start', 'demo', 'test'])('`npm run %s` runs through the launcher', async (script) => {
    const r = await old('npm', ['run', '--silent', script]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toContain('bad option');
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('jit-approvals needs'));
    expect(lines).toHaveLength(1);
    expect(`${lines[0]}\n`).toMatch(ONE_LINE);
  });

  const project = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'npm-ci-'));
    for (const f of ['package.json', 'package-lock.json', '.npmrc'])
      copyFileSync(join(root, f), join(dir, f));
    return dir;
  };

  it('`npm ci` refuses it at once, naming the Node it needs', async () => {
    const r = await old('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], project());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('EBADENGINE');
    expect(r.stderr).toMatch(/Required: \{"node":">=22\.13"\}/);
    expect(r.stderr).toMatch(/Actual: +\{"node":"v20\./);
  });

  it('`npm ci` accepts this Node (no dependency refuses it under engine-strict)', async () => {
    const path = `${dirname(process.execPath)}:${dirname(OLD_NODE)}:/bin`;
    const r = await old(
      'npm',
      ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'],
      project(),
      path,
    );
    expect(r.stderr).not.toContain('EBADENGINE');
    expect(r.code).toBe(0);
  });
});
