// The policy-check action (validate/action.yml), run as the runner runs it, from a copy of the
// action alone: its committed bundle needs no install step, and runs on the runner's Node 20.
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/bundle.ts';
import { CompositeRun } from '../actions-runner/composite-runner.ts';
import { root } from '../helpers/cli.ts';

/** validate/ as a workflow's checkout of `<owner>/jit-approvals/validate@v1` holds it: no node_modules. */
const actionPath = join(mkdtempSync(join(tmpdir(), 'validate-action-')), 'validate');
cpSync(join(root, 'validate/action.yml'), join(actionPath, 'action.yml'));
cpSync(join(root, 'validate/dist'), join(actionPath, 'dist'), { recursive: true });

const github = {
  repository: 'acme/shop',
  sha: '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567',
  ref: 'refs/pull/7/merge',
  event_name: 'pull_request',
  actor: 'dana',
  run_id: '1',
  workflow: 'policies',
  job: 'check',
};

const check = (inputs: Record<string, string>, nodeDir = '/usr/bin') =>
  new CompositeRun({ actionPath, inputs, github, nodeDir }).result;

/** The step's annotations (not the runner's own "Process completed with exit code 1."). */
const errors = (log: string[]) =>
  log.filter((l) => l.startsWith('##[error]') && !l.startsWith('##[error]Process completed'));

describe('validate/action.yml', () => {
  it('its committed bundle is what `npm run build:validate` makes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'validate-dist-'));
    expect(await bundle('validate', out)).toEqual(['index.js']);
    expect(readFileSync(join(out, 'index.js'), 'utf8')).toBe(
      readFileSync(join(root, 'validate/dist/index.js'), 'utf8'),
    );
  });

  it('passes valid policies and runs their tests, on Node 20, with nothing installed', async () => {
    const result = await check({ path: join(root, 'examples/.approvals') });
    expect(result.conclusion).toBe('success');
    expect(errors(result.log)).toEqual([]);
    expect(result.log).toContain('26 passed, 0 failed');
  });

  it('annotates every error of the files and fails', async () => {
    const result = await check({ path: join(root, 'test/fixtures/many-errors') });
    expect(result.conclusion).toBe('failure');
    expect(errors(result.log)).toHaveLength(7);
    expect(errors(result.log)[0]).toBe(
      '##[error]policies[0] ("deploy").match: unknown key "enviroment". Fix: did you mean "environment"?',
    );
  });

  it('validates one file', async () => {
    const result = await check({ path: join(root, 'examples/.approvals/production.yml') });
    expect(result.conclusion).toBe('success');
  });

  it.each([
    ['auto', 'success'],
    ['false', 'success'],
    ['true', 'failure'],
  ])('tests: %s without a tests directory: %s', async (tests, conclusion) => {
    // The demo's policies, without the tests they ship with.
    const dir = mkdtempSync(join(tmpdir(), 'no-tests-'));
    cpSync(join(root, 'demo/.approvals/demo.yml'), join(dir, 'demo.yml'));
    const none = await check({ path: dir, tests });
    expect(none.conclusion).toBe(conclusion);
  });

  it('fails a failing policy test with an annotation', async () => {
    const result = await check({ path: join(root, 'test/fixtures/failing-tests') });
    expect(result.conclusion).toBe('failure');
    expect(errors(result.log).join('\n')).toContain(
      'policy test "this expectation is wrong on purpose" failed',
    );
  });

  it('refuses a tests input that is not true, false or auto', async () => {
    const result = await check({ path: join(root, 'examples/.approvals'), tests: 'yes' });
    expect(result.conclusion).toBe('failure');
    expect(errors(result.log)).toEqual(['##[error]The tests input must be true, false or auto.']);
  });

  it('never splices an input into its script', () => {
    const action = load(readFileSync(join(root, 'validate/action.yml'), 'utf8')) as {
      runs: { steps: { run?: string }[] };
    };
    for (const step of action.runs.steps) expect(step.run ?? '').not.toContain('${{');
  });
});
