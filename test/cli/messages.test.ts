// What the command says when something is wrong: the usage text only when the command line is
// wrong, and `audit` reading its settings from .env as `npm start` does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditKeys } from '../../app/audit/chain.ts';
import { USAGE } from '../../app/cli/main.ts';
import { LOG_BACKENDS, newPrivateKey } from '../helpers/audit-log.ts';
import { root, runCli } from '../helpers/cli.ts';

describe('the usage text', () => {
  it.each([
    [['validate', 'a', 'b'], /expected one directory/],
    [['validate', '--format', 'xml'], /unknown --format "xml"/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['explain'], /explain needs --request/],
    [['audit', 'verfy'], /unknown audit command "verfy"/],
  ])('follows a usage error %j', async (argv, message) => {
    const r = await runCli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Usage: jit-approvals');
  });

  it.each([
    [['validate', 'no/such/dir'], 'no such file or directory: no/such/dir'],
    [
      ['explain', '--policies', 'examples/.approvals', '--request', 'no/such.json'],
      'no such file: no/such.json',
    ],
    [['audit', 'verify', '--data-dir', 'no/such/dir'], "audit verify checks the log with the app's key"],
  ])('does not follow a problem with what the command was given: %j', async (argv, message) => {
    const r = await runCli(...argv);
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`jit-approvals: ${message}`);
    expect(lines[1]).toMatch(/^ {2}fix: /);
  });
});

describe("the docs' synopsis", () => {
  it('names every command of the usage text, audit included', () => {
    const readme = readFileSync(join(root, 'docs/cli.md'), 'utf8');
    const synopsis = readme.slice(readme.indexOf('# Command line')).split('```')[1]!;
    const commands = [...USAGE.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    expect(new Set(commands)).toEqual(new Set(['validate', 'test', 'explain', 'audit']));
    for (const command of commands) expect(synopsis).toMatch(new RegExp(`^jit-approvals ${command} `, 'm'));
  });
});

/** `jit-approvals audit verify` as the installed command runs it, in `cwd`, with only `env`. */
function auditVerify(cwd: string, env: Record<string, string>) {
  const script = `
    const { main } = await import(${JSON.stringify(join(root, 'app/cli/main.ts'))});
    const { processIo } = await import(${JSON.stringify(join(root, 'app/cli/io.ts'))});
    process.exitCode = await main(['audit', 'verify'], processIo);`;
  return spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
}

describe('jit-approvals audit verify', () => {
  it('reads .env in its directory as npm start does, the environment winning', async () => {
    const key = newPrivateKey();
    const place = LOG_BACKENDS[0]!.place();
    const store = await place.open({ auditKeys: auditKeys(key) });
    await store.appendAudit('request', null, {}, 1);
    await store.close();
    const dataDir = place.args[1]!;
    const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'audit-env-')));

    const without = auditVerify(cwd, { DATA_DIR: dataDir });
    expect(without.status).toBe(2);
    expect(without.stderr).toContain('settings came from the environment only (no .env file)');
    expect(without.stderr).not.toContain('Usage:');

    writeFileSync(join(cwd, '.env'), `PRIVATE_KEY="${key.replaceAll('\n', '\\n')}"\nDATA_DIR=${dataDir}\n`);
    const withFile = auditVerify(cwd, {});
    expect(withFile.stderr).toBe('');
    expect(withFile.stdout).toMatch(/^audit log intact: 1 events/);
    expect(withFile.status).toBe(0);

    // A key in the environment wins over the file's: the wrong one breaks the check.
    const overridden = auditVerify(cwd, { PRIVATE_KEY: newPrivateKey() });
    expect(overridden.status).toBe(1);
  });
});
