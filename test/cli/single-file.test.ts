// The release's single-file CLI (jit-approvals.mjs, scripts/bundle.ts `cli`) on the Node.js
// versions a user may have, from a directory with nothing installed anywhere above it: validate,
// test and explain answer the same on Node 20, 22 and 24. Node 22 comes from the npm registry
// once (`npm install node@22`, cached in node_modules/.cache); without the registry that one is
// skipped, saying so.
import { execFile, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/bundle.ts';
import { root } from '../helpers/cli.ts';

const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const CACHE = join(root, 'node_modules/.cache/jit-approvals/node22');

/** This machine's Node 20 (the system's), if it has one. */
function node20(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(candidate)) continue;
    const v = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (v.startsWith('v20.')) return candidate;
  }
  return undefined;
}

/** Node 22 from the npm registry, installed once into the cache; or why it could not be. */
async function node22(): Promise<{ path: string } | { skip: string }> {
  const path = join(CACHE, 'node_modules/.bin/node');
  if (!existsSync(path)) {
    mkdirSync(CACHE, { recursive: true });
    try {
      await promisify(execFile)(
        'npm',
        ['install', '--prefix', CACHE, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'node@22'],
        { cwd: CACHE, timeout: 170_000 },
      );
    } catch (err) {
      return {
        skip: `Node 22 could not be installed from the npm registry (${(err as Error).message.split('\n')[0]})`,
      };
    }
  }
  return { path };
}

let dir: string;
beforeAll(async () => {
  // A directory with no node_modules anywhere above it: the file, policies with their tests, a request.
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'single-file-')));
  const built = join(dir, 'build');
  expect(await bundle('cli', built)).toEqual(['jit-approvals.mjs']);
  cpSync(join(built, 'jit-approvals.mjs'), join(dir, 'jit-approvals.mjs'));
  cpSync(join(root, 'examples/.approvals'), join(dir, '.approvals'), { recursive: true });
  cpSync(join(root, 'examples/requests/deploy-production.json'), join(dir, 'request.json'));
  mkdirSync(join(dir, 'broken'));
  writeFileSync(
    join(dir, 'broken/p.yml'),
    'version: 1\npolicies:\n  - name: x\n    match: { enviroment: [prod] }\n',
  );
}, 60_000);

/** What the file prints for each command on `node`. */
function answers(node: string) {
  const run = (...args: string[]) => {
    const r = spawnSync(node, ['jit-approvals.mjs', ...args], {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin' },
      encoding: 'utf8',
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    version: run('--version'),
    validate: run('validate'),
    test: run('test'),
    explain: run('explain', '--request', 'request.json'),
    broken: run('validate', 'broken'),
  };
}

describe('the single-file CLI', () => {
  let expected: ReturnType<typeof answers>;
  beforeAll(() => {
    expected = answers(process.execPath);
  });

  it(`answers on this Node (${process.version})`, () => {
    expect(expected.version).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(expected.validate).toMatchObject({
      code: 0,
      stderr: '.approvals: 5 policies in 4 files are valid\n',
    });
    expect(expected.test).toMatchObject({ code: 0 });
    expect(expected.test.stderr).toMatch(/^\d+ passed, 0 failed$/m);
    expect(expected.explain).toMatchObject({ code: 0 });
    expect(expected.explain.stdout).toMatch(/^PENDING\n/);
    expect(expected.broken.code).toBe(1);
    expect(expected.broken.stdout).toContain(
      'broken/p.yml:4:14: policies[0] ("x").match: unknown key "enviroment"',
    );
  });

  it('answers the same on Node 20', (ctx) => {
    const node = node20();
    if (!node) return ctx.skip('this machine has no Node 20 at /usr/bin/node or /usr/local/bin/node');
    expect(answers(node)).toEqual(expected);
  });

  it('answers the same on Node 22', async (ctx) => {
    const node = await node22();
    if ('skip' in node) return ctx.skip(node.skip);
    expect(spawnSync(node.path, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^v22\./);
    expect(answers(node.path)).toEqual(expected);
  }, 180_000);
});
