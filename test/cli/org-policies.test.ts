import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as cli } from '../helpers/cli.ts';

const org = 'test/fixtures/org-policies';
const repo = 'test/fixtures/org-repo';
const invalid = 'test/fixtures/org-invalid';
const request = (name: string) => `test/fixtures/requests/${name}.json`;
const explain = (name: string, ...more: string[]) =>
  cli('explain', '--policies', repo, '--org-policies', org, '--request', request(name), ...more);
const invalidError = [
  'test/fixtures/org-invalid/policies.yml:5:7: policies[0] ("holiday-freeze").match: unknown key "enviroment" [schema]',
  '  fix: did you mean "environment"?',
].join('\n');

describe('validate --org-policies', () => {
  it("checks the repository's set and the organization's", async () => {
    const r = await cli('validate', repo, '--org-policies', org);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toBe(
      `${repo}: 1 policy in 1 file, and ${org}: 3 policies in 1 file (organization policies, named org:<name>), are valid`,
    );
  });

  it('an invalid organization file fails it, with its path, line and column', async () => {
    const r = await cli('validate', repo, '--org-policies', invalid);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(invalidError);
    expect(r.stderr).toBe(`1 error(s) in ${repo} with the organization policies in ${invalid}`);
    const github = await cli('validate', repo, '--org-policies', invalid, '--format', 'github');
    expect(github.stdout).toMatch(/^::error file=test\/fixtures\/org-invalid\/policies\.yml,line=5,col=7,/);
  });

  it('reports the errors of both sets at once', async () => {
    const r = await cli(
      'validate',
      'test/fixtures/invalid-policies',
      '--org-policies',
      invalid,
      '--format',
      'json',
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).map((e: { file: string; line: number }) => `${e.file}:${e.line}`)).toEqual([
      'test/fixtures/org-invalid/policies.yml:5',
      'test/fixtures/invalid-policies/policies.yml:4',
      'test/fixtures/invalid-policies/policies.yml:6',
    ]);
  });

  it.each([
    [['validate', '--org-policies', org]],
    [['validate', org, '--org-policies', org]],
    [['validate', `${org}/`, '--org-policies', `./${org}`]],
  ])('%j checks the organization set by itself', async (argv) => {
    const r = await cli(...argv);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toMatch(/: 3 policies in 1 file are valid \(organization policies, named org:<name>\)$/);
    const bad = await cli('validate', '--org-policies', invalid);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe(invalidError);
    expect(bad.stderr).toBe(`1 error(s) in ${invalid}`);
  });

  describe('an organization directory without policy files', () => {
    let empty = '';
    beforeAll(async () => void (empty = await mkdtemp(join(tmpdir(), 'org-empty-'))));
    afterAll(() => rm(empty, { recursive: true, force: true }));

    it('adds nothing to a repository, and says so', async () => {
      const r = await cli('validate', repo, '--org-policies', empty);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(
        [
          `warning: no policy files in ${empty}: the organization adds no policies`,
          `${repo}: 1 policy in 1 file is valid`,
        ].join('\n'),
      );
    });

    it('by itself is an error', async () => {
      const r = await cli('validate', '--org-policies', empty);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`no policy files (*.yml, *.yaml) in ${empty} [no_policies]`);
    });
  });

  it('a missing organization directory is a usage error', async () => {
    const r = await cli('validate', repo, '--org-policies', 'no/such/dir');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no such file or directory: no\/such\/dir/);
  });

  it.each([
    ['validate', ['--org-policy', org]],
    ['test', ['--orgpolicies', org]],
    ['explain', ['--org-polices', org]],
  ])('%s: a misspelt --org-policies gets a suggestion', async (command, argv) => {
    const r = await cli(command, ...argv);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[1]).toBe('  fix: did you mean --org-policies?');
  });

  it('the help documents it', async () => {
    const { stdout } = await cli('--help');
    expect(stdout).toContain('test [dir] [--org-policies dir]');
    expect(stdout).toContain("--org-policies dir: a checkout of the organization's .github/.approvals");
  });
});

describe('test --org-policies', () => {
  it("proves a repository's behaviour under the organization's rules", async () => {
    const r = await cli('test', repo, '--org-policies', org);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('7 passed, 0 failed');
  });

  it('without the flag, the organization rules do not apply', async () => {
    const r = await cli('test', repo);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('0 passed, 7 failed');
    expect(r.stdout).toContain('policies: expected org:holiday-freeze, deploy, got deploy');
  });

  it("runs the organization's own tests against its set alone (the .github repository)", async () => {
    const r = await cli('test', org, '--org-policies', org);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('2 passed, 0 failed');
  });

  it('reports an invalid organization file before any test runs', async () => {
    const r = await cli('test', repo, '--org-policies', invalid);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(invalidError);
    expect(r.stderr).toBe('1 error(s): fix them before the tests can run');
  });

  it('--format json shows org:<name> in the decisions', async () => {
    const r = await cli('test', repo, '--org-policies', org, '--format', 'json');
    const results = JSON.parse(r.stdout) as { passed: boolean; decision: { policies: string[] } }[];
    expect(results.every((t) => t.passed)).toBe(true);
    expect(results[0]!.decision.policies).toEqual(['org:holiday-freeze', 'deploy']);
  });
});

describe('explain --org-policies', () => {
  it("an organization freeze denies what the repository's policy approves", async () => {
    const without = await cli('explain', '--policies', repo, '--request', request('holiday-deploy'));
    expect(without.stdout.split('\n')[0]).toBe('APPROVED');
    const r = await explain('holiday-deploy');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 6)).toEqual([
      'DENIED (automatic)',
      '  policies: org:holiday-freeze, deploy',
      '  because:',
      '    - governed by "org:holiday-freeze", "deploy"',
      '    - policy "org:holiday-freeze": inside freeze Holiday change freeze (2026-12-20T00:00:00Z – 2027-01-04T00:00:00Z)',
      '  token: none',
    ]);
  });

  it("an organization quorum of 2 on top of the repository's 1 shows both requirements", async () => {
    const r = await explain('payments-deploy');
    expect(r.stdout).toContain(
      [
        '  requirements:',
        '    - org:payments-quorum: 1/2 (1 more needed); approvers: @acme/sre',
        '    - deploy: 1/1 (met); approvers: alice',
      ].join('\n'),
    );
    expect(r.stdout.split('\n')[0]).toBe('PENDING');
    const json = JSON.parse((await explain('payments-deploy', '--json')).stdout);
    expect(json.requirements).toMatchObject([
      { policy: 'org:payments-quorum', required: 2, approved_by: ['sre-sam'], remaining: 1 },
      { policy: 'deploy', required: 1, approved_by: ['alice'], remaining: 0 },
    ]);
  });

  it('a scope that excludes the repository leaves it unaffected', async () => {
    const r = await explain('web-deploy', '--json');
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ outcome: 'approved', policies: ['org:holiday-freeze', 'deploy'] });
    expect(d.requirements.map((q: { policy: string }) => q.policy)).toEqual(['deploy']);
  });

  it('an invalid organization file is reported with its path and line; nothing is evaluated', async () => {
    const r = await cli(
      'explain',
      '--policies',
      repo,
      '--org-policies',
      invalid,
      '--request',
      request('web-deploy'),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(invalidError);
    expect(r.stderr).toBe('1 error(s): nothing was evaluated');
  });

  it('without --policies and no .approvals here, the organization set governs alone', async () => {
    const r = await cli('explain', '--org-policies', org, '--request', request('web-deploy'), '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'denied', policies: ['org:holiday-freeze'] });
  });

  it('an explicit --policies directory must exist', async () => {
    const r = await cli(
      'explain',
      '--policies',
      'no/such',
      '--org-policies',
      org,
      '--request',
      request('web-deploy'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such directory: no/such');
  });
});
