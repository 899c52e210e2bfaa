// Latency through the app: the deciding vote to the step's token, to a gate's answer, and an
// auto-approved step from start to exit.
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkRunOf } from '../test/app/harness.ts';
import { configured, GATE_POLICY, harness, percentile, POLICY, type Mode } from './app-setup.ts';

/**
 * From the approval webhook's delivery to the waiting step holding its decrypted token, and the
 * GitHub calls the simulator received in between (counted when the step's answer arrives).
 */
export async function approvalLatency(
  mode: Mode,
  n = 200,
): Promise<{ p50: number; p99: number; n: number; calls: { most: number; ops: Record<string, number> } }> {
  const h = await harness(mode);
  const times: number[] = [];
  const ops: Record<string, number> = {};
  let most = 0;
  // The GitHub calls received when the app has written the step's answer out.
  const answers = h.callsAtAnswers();
  try {
    // One warm-up first (the installation's token, the policies): not counted.
    for (let i = -1; i < n; i++) {
      const step = await h.step({ runId: 10_000 + i });
      const { body } = await h.request(step);
      const checkRunId = await checkRunOf(h, body.id);
      const waiting = h.poll(step, body.id, 30);
      // The step is waiting (its long-poll held) before anyone votes, as in a real run.
      while (h.runtime.service.deps.waiters.size === 0) await new Promise((r) => setImmediate(r));
      const delivered = performance.now();
      const callsBefore = h.sim.calls.length;
      let resumed = 0;
      const holding = waiting.then(async (r) => {
        const between = h.sim.calls.slice(callsBefore, answers.last());
        if (i >= 0) most = Math.max(most, between.length);
        if (i >= 0) for (const c of between) ops[c.operation] = (ops[c.operation] ?? 0) + 1;
        await h.decrypt(step, r.body.token!.jwe);
        resumed = performance.now();
      });
      await h.click(checkRunId, 'alice');
      await holding;
      if (i >= 0) times.push(resumed - delivered);
    }
  } finally {
    await h.stop();
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), n, calls: { most, ops } };
}

/**
 * A job gate (deployment_protection_rule.requested): from the deciding vote's webhook delivery to
 * GitHub's recorded answer (`POST .../deployment_protection_rule`, stamped by the simulator's
 * route when it arrives), one gate after another.
 */
export async function gateLatency(mode: Mode, n = 100): Promise<{ p50: number; p99: number; n: number }> {
  const h = configured(mode);
  await h.start({ 'p.yml': POLICY + GATE_POLICY });
  const times: number[] = [];
  try {
    // Warm-up: the installation's token, the policies, the first check run.
    for (let i = -1; i < n; i++) {
      const run = h.sim.world.addRun(h.repo, { id: 300_000 + i, actor: 'dana' });
      const checks = h.repo.checkRuns.length;
      await h.hooks.deploymentProtectionRuleRequested(h.repo, run, 'production');
      const check = h.repo.checkRuns[checks];
      if (!check || h.repo.checkRuns.length !== checks + 1) throw new Error('the gate made no check run');
      const delivered = performance.now();
      await h.click(check.id, 'alice');
      let answer = h.repo.gateReviews.find((r) => r.runId === run.id);
      while (!answer) {
        await new Promise((r) => setTimeout(r, 1));
        answer = h.repo.gateReviews.find((r) => r.runId === run.id);
      }
      if (answer.state !== 'approved') throw new Error(`the gate was answered ${answer.state}`);
      if (i >= 0) times.push(answer.at - delivered);
    }
  } finally {
    await h.stop();
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), n };
}

/** The bundled action asking for an auto-approved action: node start to exit, median of `runs`. */
export async function autoApprovedStep(runs = 10): Promise<number> {
  const h = await harness({ store: 'SQLite', paced: false });
  const dist = fileURLToPath(new URL('../action/dist/index.js', import.meta.url));
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const step = await h.step({ runId: 90_000 + i });
      const env = {
        PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
        GITHUB_JOB: 'deploy',
        JIT_JOB_ID: String(step.simJob.id),
        JIT_ACTION: 'publish-docs',
        JIT_APP_URL: h.url,
        JIT_AUDIENCE: 'https://jit.example.test',
        ...h.oidc.jobEnv(step.job),
      };
      const start = performance.now();
      let out = '';
      const code = await new Promise((r) => {
        const child = spawn(process.execPath, [dist], { env, stdio: ['ignore', 'pipe', 'ignore'] });
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.on('exit', r);
      });
      if (code !== 0) throw new Error(`the step exited with ${code}:\n${out}`);
      times.push(performance.now() - start);
    }
  } finally {
    await h.stop();
  }
  return percentile(times, 50);
}
