import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers/cli.ts';

const fixtures = 'test/fixtures';
const cli = runCli;

describe('jit-approvals validate', () => {
  it('exits 0 on the examples', async () => {
    const r = await cli('validate', 'examples/.approvals');
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toBe('examples/.approvals: 5 policies in 4 files are valid');
  });

  it('exits 1 with file:line:column, the rule and a fix', async () => {
    const r = await cli('validate', `${fixtures}/invalid-policies`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        'test/fixtures/invalid-policies/policies.yml:4:36: policies[0] ("deploy").match: unknown key "enviroment" [schema]',
        '  fix: did you mean "environment"?',
        'test/fixtures/invalid-policies/policies.yml:6:14: policy "deploy": timeout: 2d is out of range [duration]',
        '  fix: use a duration above 0s and at most 1d, such as 15m or 1h30m',
      ].join('\n'),
    );
    expect(r.stderr).toBe('2 error(s) in test/fixtures/invalid-policies');
  });

  it('--format github prints workflow annotations', async () => {
    const r = await cli('validate', `${fixtures}/invalid-policies`, '--format', 'github');
    expect(r.stdout.split('\n')[0]).toBe(
      '::error file=test/fixtures/invalid-policies/policies.yml,line=4,col=36,title=jit-approvals%3A schema::' +
        'policies[0] ("deploy").match: unknown key "enviroment". Fix: did you mean "environment"?',
    );
  });

  it('--format json prints the errors as data', async () => {
    const r = await cli('validate', `${fixtures}/invalid-policies`, '--format', 'json');
    expect(JSON.parse(r.stdout)).toEqual([
      expect.objectContaining({
        file: 'test/fixtures/invalid-policies/policies.yml',
        line: 4,
        column: 36,
        rule: 'schema',
      }),
      expect.objectContaining({ line: 6, column: 14, rule: 'duration' }),
    ]);
  });

  it.each([
    [['validate', 'a', 'b'], /expected one directory/],
    [['validate', '--format', 'xml'], /unknown --format "xml"/],
    [['validate', '--verbose'], /unknown option '--verbose'/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['explain'], /explain needs --request/],
  ])(
    'usage error %j exits 2 with a hint (messages.test.ts: a missing file gets no usage text)',
    async (argv, message) => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('Usage: jit-approvals');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it('--help exits 0', async () => {
    expect(await cli('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('Commands:') });
  });

  it('reports every error of a file in one run: the schema errors and those of the checks beyond it', async () => {
    const r = await cli('validate', `${fixtures}/many-errors`);
    expect(r.code).toBe(1);
    const at = (rule: string, line: number, column: number) =>
      `test/fixtures/many-errors/policies.yml:${line}:${column}: ${rule}`;
    expect(r.stdout.split('\n').filter((l) => !l.startsWith('  fix:'))).toEqual([
      `${at('policies[0] ("deploy").match', 7, 7)}: unknown key "enviroment" [schema]`,
      `${at('policy "deploy"', 9, 15)}: team "sre" is not in org/team-slug form [team]`,
      `${at('policies[0] ("deploy")', 10, 5)}: unknown key "self_aproval" [schema]`,
      `${at('policy "deploy"', 12, 16)}: hours "9-5" is not HH:MM-HH:MM [hours]`,
      `${at('policy "deploy"', 13, 19)}: unknown time zone "Europe/Berln" [timezone]`,
      `${at('policy "deploy"', 14, 14)}: timeout: 2d is out of range [duration]`,
      `${at('policy "deploy"', 17, 12)}: token.ttl: 90m is out of range [duration]`,
    ]);
    expect(r.stderr).toBe('7 error(s) in test/fixtures/many-errors');
  });

  it('an unclosed [ is reported where it opens, not as the indentation of the next line', async () => {
    const r = await cli('validate', `${fixtures}/unclosed-bracket`);
    expect(r.stdout).toBe(
      [
        'test/fixtures/unclosed-bracket/policies.yml:5:15: invalid YAML: the list opened with "[" here is never closed [yaml]',
        '  fix: close it with "]", e.g. action: [deploy-*]',
      ].join('\n'),
    );
  });

  it('validates one file as well as a directory', async () => {
    const ok = await cli('validate', 'examples/.approvals/production.yml');
    expect(ok).toMatchObject({ code: 0, stdout: '' });
    expect(ok.stderr).toBe('examples/.approvals/production.yml: 2 policies in 1 file are valid');
    const bad = await cli('validate', `${fixtures}/invalid-policies/policies.yml`, '--format', 'github');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /^::error file=test\/fixtures\/invalid-policies\/policies\.yml,line=4,col=36,/,
    );
  });

  it.each([
    [['valdate'], 'unknown command "valdate"', 'did you mean "validate"?'],
    [['tset', 'examples/.approvals'], 'unknown command "tset"', 'did you mean "test"?'],
    [['audti'], 'unknown command "audti"', 'did you mean "audit"?'],
    [['validate', '--fromat', 'json'], "unknown option '--fromat'", 'did you mean --format?'],
    [['--fromat'], "unknown option '--fromat'", 'did you mean --format?'],
    [['explain', '--reqest', 'x.json'], "unknown option '--reqest'", 'did you mean --request?'],
    [['explain', '--polices', 'x'], "unknown option '--polices'", 'did you mean --policies?'],
    [['audit', 'verify', '--datadir', 'x'], "unknown option '--datadir'", 'did you mean --data-dir?'],
    [['audit', 'verfy'], 'unknown audit command "verfy"', 'did you mean `audit verify`?'],
    [['--verison'], "unknown option '--verison'", 'did you mean --version?'],
  ])('%j: did you mean', async (argv, message, fix) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([`jit-approvals: ${message}`, `  fix: ${fix}`]);
  });

  it('an unknown command lists every command, audit included', async () => {
    const r = await cli('frobnicate');
    expect(r.stderr).toContain('fix: use one of validate, test, explain, audit, help');
  });

  it('the help names every command and --version', async () => {
    const { stdout } = await cli('--help');
    const commands = stdout
      .split('\n')
      .map((l) => /^ {2}([a-z]+)\b/.exec(l)?.[1])
      .filter(Boolean);
    expect(new Set(commands)).toEqual(new Set(['validate', 'test', 'explain', 'audit']));
    expect(stdout).toContain('--version');
  });
});

describe('jit-approvals test', () => {
  it('passes the examples', async () => {
    const r = await cli('test', 'examples/.approvals');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('26 passed, 0 failed');
    expect(r.stdout.split('\n').every((l) => l.startsWith('PASS  examples/.approvals/tests/'))).toBe(true);
  });

  it('exits 1 and says what differs when a case fails', async () => {
    const r = await cli('test', `${fixtures}/failing-tests`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('1 passed, 1 failed');
    expect(r.stdout).toContain(
      'FAIL  test/fixtures/failing-tests/tests/deploy.yml:7  this expectation is wrong on purpose',
    );
    expect(r.stdout).toContain('outcome: expected approved, got pending');
    expect(r.stdout).toContain('auto: expected true, got false');
    expect(r.stdout).toContain('token: expected contents: read, got no token');
  });

  it('--format github annotates the failing case', async () => {
    const r = await cli('test', `${fixtures}/failing-tests`, '--format', 'github');
    expect(r.stdout).toContain('::error file=test/fixtures/failing-tests/tests/deploy.yml,line=7,col=1');
  });

  it('invalid test files are positioned errors', async () => {
    const r = await cli('test', `${fixtures}/invalid-tests`);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'test/fixtures/invalid-tests/tests/no-time.yml:3:5: test "no time given" has no request.time',
    );
    expect(r.stdout).toContain('broken.yml:4:15: tests[0].expect: unknown key "outcom"');
  });

  it('a directory without tests fails rather than passing vacuously', async () => {
    const r = await cli('test', `${fixtures}/invalid-policies`);
    expect(r.code).toBe(1);
  });
});

describe('jit-approvals explain', () => {
  it('prints the decision and why', async () => {
    const r = await cli(
      'explain',
      '--policies',
      'examples/.approvals',
      '--request',
      'examples/requests/deploy-production.json',
    );
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 6)).toEqual([
      'PENDING',
      '  policies: holiday-freeze, production-deploy',
      '  because:',
      '    - governed by "holiday-freeze", "production-deploy"',
      '    - policy "production-deploy": auto_approve[0] does not apply: no evidence of checks (signals.checks); no evidence of a pull request (signals.pull_request)',
      '    - policy "production-deploy": 1 of 2 approvals (sre-lead); 1 more needed from release-captain, @acme/sre',
    ]);
  });

  it('--json prints the decision object', async () => {
    const r = await cli(
      'explain',
      '--policies',
      'examples/.approvals',
      '--request',
      'examples/requests/deploy-production.json',
      '--json',
    );
    const d = JSON.parse(r.stdout);
    expect(Object.keys(d).sort()).toEqual(
      ['auto', 'outcome', 'policies', 'reasons', 'requirements', 'timeout_seconds', 'token'].sort(),
    );
    expect(d).toMatchObject({
      outcome: 'pending',
      auto: false,
      token: { permissions: { contents: 'write', deployments: 'write' }, ttl_seconds: 900 },
      timeout_seconds: 1800,
      requirements: [{ policy: 'production-deploy', required: 2, approved_by: ['sre-lead'], remaining: 1 }],
    });
  });

  it('takes live evidence as signals, and shows what an automatic approval rested on', async () => {
    const r = await cli(
      'explain',
      '--policies',
      'examples/.approvals',
      '--request',
      'examples/requests/deploy-green.json',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('APPROVED (automatic)');
    expect(r.stdout).toContain(
      '  evidence:\n    - production-deploy (auto_approve[0]) checks: CI green (build, test (unit))',
    );
    const json = JSON.parse(
      (
        await cli(
          'explain',
          '--policies',
          'examples/.approvals',
          '--request',
          'examples/requests/deploy-green.json',
          '--json',
        )
      ).stdout,
    );
    expect(json.evidence[0].signals.map((x: { kind: string }) => x.kind)).toEqual(['checks', 'pull_request']);
  });

  it('a wrong signal is a positioned error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jit-signals-'));
    const file = join(dir, 'req.yml');
    writeFileSync(
      file,
      'action: deploy-web\nref: refs/heads/main\nevent: push\nworkflow: .github/workflows/deploy.yml\nactor: dana\nsignals:\n  checks: [{ name: build, state: green }]\n',
    );
    const r = await cli('explain', '--policies', 'examples/.approvals', '--request', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/req\.yml:7:\d+: .*signals\.checks/);
  });

  it('an invalid request file is a positioned error, exit 1', async () => {
    const r = await cli(
      'explain',
      '--policies',
      'examples/.approvals',
      '--request',
      `${fixtures}/bad-request.json`,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'test/fixtures/bad-request.json:7:11: time "next tuesday" is not an ISO 8601 date-time',
    );
  });

  it('a JSON request file gets JSON syntax errors, with their position', async () => {
    const r = await cli(
      'explain',
      '--policies',
      'examples/.approvals',
      '--request',
      `${fixtures}/broken-request.json`,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        `test/fixtures/broken-request.json:5:3: invalid JSON: Expected ',' or '}' after property value [json]`,
        '  fix: correct the JSON here: commas between entries but none after the last, keys and strings in double quotes',
      ].join('\n'),
    );
  });

  it('a missing request file is a usage error', async () => {
    const r = await cli('explain', '--policies', 'examples/.approvals', '--request', 'nope.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such file: nope.json');
  });
});

describe('the installed command (bin/jit-approvals.js, built by npm run build)', () => {
  const run = promisify(execFile);
  const bin = (...args: string[]) =>
    run(process.execPath, ['bin/jit-approvals.js', ...args], { cwd: root }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('validates and tests the examples', async () => {
    expect((await bin('validate', 'examples/.approvals')).code).toBe(0);
    const t = await bin('test', 'examples/.approvals');
    expect(t.code).toBe(0);
    expect(t.stderr).toContain('26 passed, 0 failed');
  });

  it('--version prints the version of the package', async () => {
    const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string };
    expect(await bin('--version')).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('reports bad input without a stack trace', async () => {
    const r = await bin('validate', `${fixtures}/invalid-policies`);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('policies.yml:4:36');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at /);
  });
});
