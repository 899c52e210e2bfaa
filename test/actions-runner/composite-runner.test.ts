import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deployJob } from '../helpers/jobs.ts';
import { CompositeRun, type GitHubContext } from './composite-runner.ts';

const actions = fileURLToPath(new URL('../fixtures/actions/', import.meta.url));
const github: GitHubContext = {
  repository: 'acme/shop',
  sha: 'a'.repeat(40),
  ref: 'refs/heads/main',
  event_name: 'push',
  actor: 'dana',
  run_id: '9001',
  workflow: 'deploy',
  job: 'deploy',
};

describe('the composite action runner', () => {
  it('runs the steps with inputs, defaults, env, outputs, the summary and GITHUB_ENV', async () => {
    const run = new CompositeRun({ actionPath: `${actions}/sample`, inputs: { who: 'world' }, github });
    const result = await run.result;
    expect(result.conclusion).toBe('success');
    expect(result.outputs).toEqual({ message: 'Hello, world', lines: 'one\ntwo', after: 'yes' });
    expect(result.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['greet', 'success'],
      ['maybe-fail', 'skipped'],
      ['after', 'success'],
      ['cleanup', 'skipped'],
    ]);
    expect(result.summary).toBe('### Greeted world\n');
    expect(result.log).toContain('repo=acme/shop run=9001 path=sample');
  });

  it('masks values registered with ::add-mask::', async () => {
    const result = await new CompositeRun({
      actionPath: `${actions}/sample`,
      inputs: { who: 'x', secret: 'hunter2' },
      github,
    }).result;
    expect(result.log).toContain('the secret is ***');
    expect(result.log.join('\n')).not.toContain('hunter2');
    expect(result.masks).toEqual(['hunter2']);
  });

  it('fails the job on a failing step, skips what follows, and runs if: failure() steps', async () => {
    const result = await new CompositeRun({
      actionPath: `${actions}/sample`,
      inputs: { who: 'x', fail: 'true' },
      github,
    }).result;
    expect(result.conclusion).toBe('failure');
    expect(result.steps.map((s) => [s.id, s.outcome, s.exitCode])).toEqual([
      ['greet', 'success', 0],
      ['maybe-fail', 'failure', 3],
      ['after', 'skipped', null],
      ['cleanup', 'success', 0],
    ]);
    expect(result.log).toContain('##[error]Process completed with exit code 3.');
    expect(result.outputs.after).toBe('');
  });

  it('refuses a missing required input', async () => {
    const result = await new CompositeRun({ actionPath: `${actions}/sample`, github }).result;
    expect(result.conclusion).toBe('failure');
    expect(result.log).toContain('##[error]Input required and not supplied: who');
  });

  it('can be cancelled with SIGTERM mid-step, as a cancelled job is', async () => {
    const run = new CompositeRun({ actionPath: `${actions}/waits`, github });
    await run.waitForLine(/^waiting$/);
    run.cancel('SIGTERM');
    const result = await run.result;
    expect(result.conclusion).toBe('cancelled');
    // The whole step's process group gets the signal, so bash may also report its `sleep` as Terminated.
    expect(result.log.filter((l) => l !== 'Terminated')).toEqual([
      'waiting',
      'got SIGTERM, cancelling',
      'after cancel',
    ]);
    expect(result.steps.map((s) => s.outcome)).toEqual(['cancelled', 'success']);
  });
});

describe('the composite runner with the simulated OIDC issuer', () => {
  it('gives a node step a real ID token through @actions/core, masked in the log', async () => {
    const { GitHubSimulator } = await import('../github-sim/server.ts');
    const { OidcIssuer } = await import('../github-sim/oidc.ts');
    const sim = new GitHubSimulator();
    const oidc = new OidcIssuer(sim);
    await sim.start();
    try {
      const job = deployJob({ environment: undefined });
      const run = new CompositeRun({
        actionPath: `${actions}/oidc`,
        inputs: { audience: 'https://jit.example' },
        github,
        env: oidc.jobEnv(job),
        nodeDir: dirname(process.execPath),
      });
      const result = await run.result;
      expect(result.conclusion).toBe('success');
      expect(JSON.parse(result.outputs.claims!)).toMatchObject({
        aud: 'https://jit.example',
        repository_id: '74',
        run_id: '9001',
      });
      expect(result.log).toContain('token: ***');
      expect(result.masks).toHaveLength(1);
    } finally {
      await sim.stop();
    }
  });
});
