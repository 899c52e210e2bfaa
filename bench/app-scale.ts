// The app holding many at once: 10,000 waiting steps, and a matrix of 256 legs on one request.
import { configured, cpuSeconds, POLICY, type Mode } from './app-setup.ts';
import { Inspector } from './inspect.ts';

/**
 * `n` steps long-polling one instance at once. The app runs in its own process, as `npm start`
 * does (plus `--inspect`, through which the benchmark has the app collect its garbage and read its
 * own memory): RSS before the waits and while it holds them, each after a full GC in the app.
 */
export async function concurrentLongPolls(n = 10_000): Promise<{
  n: number;
  errors: number;
  rssBeforeMb: number;
  rssHoldingMb: number;
  perThousandMb: number;
  held: number;
}> {
  const h = configured({ store: 'SQLite', paced: false }); // n check runs first, as fast as the app can
  await h.start({ 'p.yml': POLICY }, { app: false });
  const child = await h.startAppProcess(undefined, { nodeArgs: ['--inspect=127.0.0.1:0'] });
  const app = await Inspector.attach(h, child);
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
    const before = await app.rssAfterGc();
    if (process.env.BENCH_DEBUG) console.log('before', await app.memoryAfterGc());
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
    const holding = await app.rssAfterGc();
    if (process.env.BENCH_DEBUG) console.log('holding', await app.memoryAfterGc());
    const held = await heldNow();
    const failed = errors;
    app.close();
    await h.stop(); // ends the waits; what they do after that is not measured
    await Promise.allSettled(polls);
    return {
      n,
      errors: failed,
      rssBeforeMb: before,
      rssHoldingMb: holding,
      perThousandMb: (holding - before) / (n / 1000),
      held,
    };
  } catch (err) {
    app.close();
    await h.stop();
    throw err;
  }
}

/**
 * A matrix of `legs` jobs (one job key, `deploy (i)` each) asking at once in one run, with the
 * app's default write limits and the app in its own process (as `npm start` runs it): how long
 * until every leg is waiting (answered 201) and GitHub shows the request's check run with all of
 * them, and how long one vote takes to resume them all (every leg holding its decrypted token),
 * with the app's CPU time in each phase.
 */
export async function matrixBurst(
  mode: Mode,
  legs = 256,
): Promise<{
  legs: number;
  waitingMs: number;
  shownMs: number;
  resumedMs: number;
  waitingCpuMs: number;
  resumedCpuMs: number;
  checkRuns: number;
  writes: number;
}> {
  const h = configured(mode);
  await h.start({ 'p.yml': POLICY }, { app: false });
  const child = await h.startAppProcess();
  const cpuMs = async (): Promise<number> => (await cpuSeconds(child.pid!)) * 1000;
  try {
    const runId = 700_000;
    // Warm-up in another run: the installation's token, the policies.
    const warm = await h.step({ runId: runId - 1 });
    if ((await h.request(warm)).status !== 201) throw new Error('warm-up request failed');
    const steps = await Promise.all(
      Array.from({ length: legs }, (_, i) => h.step({ runId }, h.repo, { jobName: `deploy (${i})` })),
    );
    const checksBefore = h.repo.checkRuns.length;
    const callsBefore = h.sim.calls.length;
    const cpu0 = await cpuMs();
    const start = performance.now();
    const made = await Promise.all(steps.map((s) => h.request(s)));
    const waitingMs = performance.now() - start;
    const bad = made.find((m) => m.status !== 201);
    if (bad) throw new Error(`a leg was refused: ${bad.status} ${JSON.stringify(bad.body)}`);
    const ids = new Set(made.map((m) => m.body.id));
    if (ids.size !== 1) throw new Error(`the legs made ${ids.size} requests`);
    const id = made[0]!.body.id;
    const check = h.repo.checkRuns.find((c) => c.external_id === id)!;
    // GitHub shows the check run with every leg.
    while (!check.output?.summary?.includes(`Jobs (${legs})`)) await new Promise((r) => setTimeout(r, 1));
    const shownMs = performance.now() - start;
    const waitingCpuMs = (await cpuMs()) - cpu0;
    const checkRuns = h.repo.checkRuns.length - checksBefore;
    const writes = h.sim.calls
      .slice(callsBefore)
      .filter((c) => c.method !== 'GET' && !c.operation.startsWith('apps/')).length;
    const polls = steps.map((s) => h.poll(s, id, 30));
    const held = async (): Promise<number> =>
      Number(/jit_long_polls (\d+)/.exec(await (await fetch(`${h.url}/metrics`)).text())?.[1] ?? 0);
    while ((await held()) < legs) await new Promise((r) => setTimeout(r, 5));
    const cpu1 = await cpuMs();
    const voted = performance.now();
    await Promise.all([
      h.click(check.id, 'alice'),
      ...polls.map(async (p, i) => {
        const r = await p;
        if (!r.body.token) throw new Error(`leg ${i} resumed without a token: ${JSON.stringify(r.body)}`);
        await h.decrypt(steps[i]!, r.body.token.jwe);
      }),
    ]);
    const resumedMs = performance.now() - voted;
    const resumedCpuMs = (await cpuMs()) - cpu1;
    return { legs, waitingMs, shownMs, resumedMs, waitingCpuMs, resumedCpuMs, checkRuns, writes };
  } finally {
    await h.stop();
  }
}
