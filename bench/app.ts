// The app under load, on loopback: approval-to-resume latency, GitHub API calls per request and
// while waiting, request creation throughput, and an auto-approved step from start to exit.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppHarness, checkRunOf } from '../test/app/harness.ts';
import { TEST_DATABASE_URL } from '../test/helpers/database.ts';

const POLICY = `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read }, ttl: 15m }
  - name: docs
    match: { action: [publish-docs] }
    auto_approve: [{}]
    token: { permissions: { contents: read } }
`;

export type Mode = { store: 'SQLite' | 'PostgreSQL'; throttled: boolean };

async function harness(mode: Mode): Promise<AppHarness> {
  const h = new AppHarness();
  if (!mode.throttled) h.env.GITHUB_WRITES_PER_MINUTE = '0';
  if (mode.store === 'PostgreSQL')
    h.database = { url: TEST_DATABASE_URL, schema: `bench_${randomBytes(6).toString('hex')}` };
  return h.start({ 'p.yml': POLICY });
}

const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** From the approval webhook's delivery to the waiting step holding its decrypted token. */
export async function approvalLatency(mode: Mode, n = 200): Promise<{ p50: number; p99: number; n: number }> {
  const h = await harness(mode);
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const step = await h.step({ runId: 10_000 + i });
      const { body } = await h.request(step);
      const checkRunId = await checkRunOf(h, body.id);
      const waiting = h.poll(step, body.id, 30);
      const delivered = performance.now();
      let resumed = 0;
      const holding = waiting.then(async (r) => {
        await h.decrypt(step, r.body.token!.jwe);
        resumed = performance.now();
      });
      await h.click(checkRunId, 'alice');
      await holding;
      times.push(resumed - delivered);
    }
  } finally {
    await h.stop();
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), n };
}

/** GitHub API calls for one approved request, by operation, and during a wait of `waitSeconds`. */
export async function apiCalls(
  waitSeconds: number,
): Promise<{ perRequest: Record<string, number>; total: number; whileWaiting: number }> {
  const h = await harness({ store: 'SQLite', throttled: false });
  try {
    // Warm-up: the first request also reads the default branch and the policy files.
    const warm = await h.step({ runId: 1 });
    const first = await h.request(warm);
    await h.click(await checkRunOf(h, first.body.id), 'alice');
    const step = await h.step({ runId: 2 });
    const before = h.sim.calls.length;
    const { body } = await h.request(step);
    const checkRunId = await checkRunOf(h, body.id);
    const waitStart = h.sim.calls.length;
    const until = Date.now() + waitSeconds * 1000;
    while (Date.now() < until)
      await h.poll(step, body.id, Math.min(50, Math.ceil((until - Date.now()) / 1000)));
    const whileWaiting = h.sim.calls.length - waitStart;
    await h.click(checkRunId, 'alice');
    await h.poll(step, body.id, 10);
    const r = (await h.runtime.store.getRequest(body.id))!;
    await h.hooks.workflowJobCompleted(
      h.repo,
      { runId: 2, name: 'deploy', headSha: r.headSha },
      h.sim.world.addUser('dana'),
    );
    await h.settled(body.id);
    const calls = h.sim.calls.slice(before);
    const perRequest: Record<string, number> = {};
    for (const c of calls) perRequest[c.operation] = (perRequest[c.operation] ?? 0) + 1;
    return { perRequest, total: calls.length, whileWaiting };
  } finally {
    await h.stop();
  }
}

/** Requests created per second (OIDC verification, policy evaluation, store, check run), `concurrency` at a time. */
export async function creationThroughput(mode: Mode, n = 400, concurrency = 16): Promise<number> {
  const h = await harness(mode);
  try {
    const steps = await Promise.all(Array.from({ length: n }, (_, i) => h.step({ runId: 50_000 + i })));
    await h.request(await h.step({ runId: 1 })); // warm-up
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < steps.length) {
          const res = await h.request(steps[next++]!);
          if (res.status !== 201)
            throw new Error(`request failed: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }),
    );
    return n / ((performance.now() - start) / 1000);
  } finally {
    await h.stop();
  }
}

/** The bundled action asking for an auto-approved action: node start to exit, median of `runs`. */
export async function autoApprovedStep(runs = 10): Promise<number> {
  const h = await harness({ store: 'SQLite', throttled: false });
  const dist = fileURLToPath(new URL('../action/dist/index.js', import.meta.url));
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const step = await h.step({ runId: 90_000 + i });
      const env = {
        PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
        GITHUB_JOB: 'deploy',
        JIT_ACTION: 'publish-docs',
        JIT_APP_URL: h.url,
        JIT_AUDIENCE: 'https://jit.example.test',
        ...h.oidc.jobEnv(step.job),
      };
      const start = performance.now();
      const code = await new Promise((r) =>
        spawn(process.execPath, [dist], { env, stdio: 'ignore' }).on('exit', r),
      );
      if (code !== 0) throw new Error(`the step exited with ${code}`);
      times.push(performance.now() - start);
    }
  } finally {
    await h.stop();
  }
  return percentile(times, 50);
}

/**
 * `n` steps long-polling one instance at once. The app, the simulator and the clients share this
 * process, so the RSS growth charged to the waits is an upper bound for the app alone.
 */
export async function concurrentLongPolls(n = 5_000): Promise<{
  n: number;
  errors: number;
  rssBeforeMb: number;
  rssHoldingMb: number;
  perThousandMb: number;
  held: number;
}> {
  const h = await harness({ store: 'SQLite', throttled: false });
  try {
    const steps = await Promise.all(Array.from({ length: n }, (_, i) => h.step({ runId: 200_000 + i })));
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < steps.length) {
          const i = next++;
          ids[i] = (await h.request(steps[i]!)).body.id;
        }
      }),
    );
    const before = process.memoryUsage().rss;
    let errors = 0;
    const polls: Promise<void>[] = [];
    const heldNow = async (): Promise<number> =>
      Number(/jit_long_polls (\d+)/.exec(await (await fetch(`${h.url}/metrics`)).text())?.[1] ?? 0);
    // Steps arrive in waves of 250, as jobs do, not in one burst past the listen backlog.
    for (let start = 0; start < n && errors === 0; start += 250) {
      for (let i = start; i < Math.min(n, start + 250); i++) {
        polls.push(
          h.poll(steps[i]!, ids[i]!, 50).then(
            (r) => void (r.status !== 200 && errors++),
            () => void errors++,
          ),
        );
      }
      while ((await heldNow()) < Math.min(n, start + 250) && errors === 0)
        await new Promise((r) => setTimeout(r, 50));
    }
    const holding = process.memoryUsage().rss;
    const held = Number(h.runtime.metrics.render().match(/jit_long_polls (\d+)/)?.[1]);
    const failed = errors;
    await h.stop(); // ends the waits; what they do after that is not measured
    await Promise.allSettled(polls);
    const mb = (b: number): number => b / 2 ** 20;
    return {
      n,
      errors: failed,
      rssBeforeMb: mb(before),
      rssHoldingMb: mb(holding),
      perThousandMb: (mb(holding) - mb(before)) / (n / 1000),
      held,
    };
  } catch (err) {
    await h.stop();
    throw err;
  }
}
