// The app under load, on loopback: approval-to-resume latency, GitHub API calls per request and
// while waiting, request creation throughput, and an auto-approved step from start to exit.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppHarness, checkRunOf, PUBLIC_URL, WORKFLOW } from '../test/app/harness.ts';
import { TEST_DATABASE_URL } from '../test/helpers/database.ts';
import { countingProxy } from './pg-proxy.ts';
import { Inspector, whereTimeGoes, type CpuProfile } from './inspect.ts';

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

/**
 * `paced`: the app's default write limits (a burst of 20 per installation, then 60 a minute).
 * Otherwise GITHUB_WRITES_PER_MINUTE=0: writes still one at a time per installation, unpaced.
 */
export type Mode = { store: 'SQLite' | 'PostgreSQL'; paced: boolean };

/** A harness set up for `mode`, not yet started. */
function configured(mode: Mode): AppHarness {
  const h = new AppHarness();
  h.env.POLICY_CACHE_SECONDS = '60'; // as in production: the benchmark changes no policy
  if (!mode.paced) h.env.GITHUB_WRITES_PER_MINUTE = '0';
  if (mode.store === 'PostgreSQL')
    h.database = { url: TEST_DATABASE_URL, schema: `bench_${randomBytes(6).toString('hex')}` };
  return h;
}

const GATE_POLICY = `  - name: gate
    match: { action: [job-gate], environment: [production] }
    approvers: { users: [alice] }
    timeout: 30m
`;

const harness = (mode: Mode): Promise<AppHarness> => configured(mode).start({ 'p.yml': POLICY });

const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

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

/** GitHub API calls for one approved request, by operation, and during a wait of `waitSeconds`. */
export async function apiCalls(
  waitSeconds: number,
): Promise<{ perRequest: Record<string, number>; total: number; whileWaiting: number }> {
  const h = await harness({ store: 'SQLite', paced: false });
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
    await h.jobCompleted(step);
    await h.settled(body.id);
    const calls = h.sim.calls.slice(before);
    const perRequest: Record<string, number> = {};
    for (const c of calls) perRequest[c.operation] = (perRequest[c.operation] ?? 0) + 1;
    return { perRequest, total: calls.length, whileWaiting };
  } finally {
    await h.stop();
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** Resident memory of a process in MB, from /proc (Linux). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

export interface Throughput {
  perSecond: number;
  /** CPU the app process spent per request (only when it runs in its own process). */
  appCpuMs: number | undefined;
  /** GitHub calls per request created, by operation. */
  calls: Record<string, number>;
  /** With `profile`: the shares of the app's CPU profile, by part. */
  where?: { part: string; share: number }[];
}

/**
 * Requests created per second (OIDC verification, policy evaluation, store, check run),
 * `concurrency` at a time. The OIDC tokens are minted before the clock starts. With
 * `appProcess`, the app runs as `npm start` does, in its own process, and its CPU is measured.
 */
export async function creationThroughput(
  mode: Mode & { appProcess?: boolean; installations?: number; profile?: boolean },
  n = 400,
  concurrency = 16,
): Promise<Throughput> {
  const h = configured(mode);
  await h.start({ 'p.yml': POLICY }, { app: !mode.appProcess });
  // Further organizations, each with the app installed: their writes to GitHub do not queue
  // behind each other's, as one installation's do.
  const repos = [h.repo];
  for (let i = 1; i < (mode.installations ?? 1); i++) {
    repos.push(
      h.sim.world.addRepo(`org${i}/svc`, {
        files: { '.approvals/p.yml': POLICY, '.github/workflows/deploy.yml': WORKFLOW },
      }),
    );
    h.sim.world.install(`org${i}`);
  }
  const child = mode.appProcess
    ? await h.startAppProcess(undefined, mode.profile ? { nodeArgs: ['--inspect=127.0.0.1:0'] } : {})
    : undefined;
  const inspector = child && mode.profile ? await Inspector.attach(h, child) : undefined;
  try {
    const calls = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const repo = repos[i % repos.length]!;
        const step = await h.step({ runId: 50_000 + i }, repo);
        const token = await h.oidc.mint(step.job, { audience: PUBLIC_URL });
        const body = JSON.stringify({
          action: 'deploy-web',
          job: step.jobKey,
          job_id: step.simJob.id,
          public_key: step.publicJwk,
          secret_sha256: createHash('sha256').update(step.secret).digest('hex'),
        });
        return { token, body };
      }),
    );
    for (const repo of repos) {
      // Warm-up: each installation's token and policies.
      const step = await h.step({ runId: 1 }, repo);
      if ((await h.request(step)).status !== 201) throw new Error('warm-up request failed');
    }
    let next = 0;
    const cpuBefore = child ? await cpuSeconds(child.pid!) : 0;
    const start = performance.now();
    const creating = (): Promise<unknown> =>
      Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < calls.length) {
            const { token, body } = calls[next++]!;
            const res = await fetch(`${h.url}/api/v1/requests`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body,
            });
            if (res.status !== 201) throw new Error(`request failed: ${res.status} ${await res.text()}`);
            await res.arrayBuffer();
          }
        }),
      );
    const callsBefore = h.sim.calls.length;
    let profile: CpuProfile | undefined;
    if (inspector) profile = await inspector.profile(async () => void (await creating()));
    else await creating();
    inspector?.close();
    const seconds = (performance.now() - start) / 1000;
    const appCpuMs = child ? (((await cpuSeconds(child.pid!)) - cpuBefore) * 1000) / n : undefined;
    const perRequest: Record<string, number> = {};
    for (const c of h.sim.calls.slice(callsBefore))
      perRequest[c.operation] = (perRequest[c.operation] ?? 0) + 1 / n;
    return {
      perSecond: n / seconds,
      appCpuMs,
      calls: perRequest,
      ...(profile && { where: whereTimeGoes(profile, 14) }),
    };
  } finally {
    await h.stop();
  }
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

/**
 * PostgreSQL round trips (counted on the wire by a proxy: each simple query and each Sync) for
 * one request's creation and for one approval (the deciding vote and the step taking its token),
 * `n` of each one after another, with the sweep and reminders held off so only they are counted.
 */
export async function pgRoundTrips(n = 100): Promise<{ creation: number; approval: number }> {
  const proxy = await countingProxy(TEST_DATABASE_URL);
  const h = configured({ store: 'PostgreSQL', paced: false });
  h.database = { url: proxy.url, schema: h.database!.schema };
  h.sweepEveryMs = 3_600_000;
  h.remindEveryMs = 3_600_000;
  await h.start({ 'p.yml': POLICY });
  try {
    const warm = await h.step({ runId: 800_000 });
    await h.click(await checkRunOf(h, (await h.request(warm)).body.id), 'alice');
    let creation = 0;
    let approval = 0;
    for (let i = 0; i < n; i++) {
      const step = await h.step({ runId: 800_001 + i });
      const before = proxy.roundTrips();
      if (process.env.PG_PROXY_LOG) console.log('--- creation');
      const { body } = await h.request(step);
      if (process.env.PG_PROXY_LOG) console.log('--- created');
      creation += proxy.roundTrips() - before;
      const checkRunId = await checkRunOf(h, body.id);
      const waiting = h.poll(step, body.id, 30);
      while (h.runtime.service.deps.waiters.size === 0) await new Promise((r) => setImmediate(r));
      const voting = proxy.roundTrips();
      await h.click(checkRunId, 'alice');
      const answer = await waiting;
      if (!answer.body.token) throw new Error('no token');
      approval += proxy.roundTrips() - voting;
    }
    return { creation: creation / n, approval: approval / n };
  } finally {
    await h.stop();
    await proxy.close();
  }
}

/**
 * Two instances on one PostgreSQL writing check runs to one installation at once (`writes` each),
 * with a burst of `burst` and `perMinute` writes a minute: the writes a minute GitHub received
 * from both together after the burst, against the one installation's rate.
 */
export async function sharedPacing(
  writes = 12,
  perMinute = 600,
  burst = 4,
): Promise<{ total: number; perMinuteSeen: number; perMinute: number; burst: number }> {
  const h = configured({ store: 'PostgreSQL', paced: true });
  h.env.GITHUB_WRITES_PER_MINUTE = String(perMinute);
  h.env.GITHUB_WRITE_BURST = String(burst);
  await h.start({ 'p.yml': POLICY });
  try {
    const other = await h.instance();
    const installation = await h.runtime.github.installationFor(h.repo.owner, h.repo.name);
    const sha = h.repo.branches.get(h.repo.defaultBranch)!;
    const since = h.sim.calls.length;
    await Promise.all(
      Array.from({ length: writes * 2 }, (_, i) =>
        (i % 2 ? other : h.runtime).github.createCheckRun(installation, h.repo.owner, h.repo.name, sha, {
          name: 'Approval',
          status: 'in_progress',
          external_id: `pacing-${i}`,
          actions: [],
          output: { title: 'Waiting', summary: `write ${i}` },
        }),
      ),
    );
    const at = h.sim.calls
      .slice(since)
      .filter((c) => c.operation === 'checks/create')
      .map((c) => c.at)
      .sort((a, b) => a - b);
    // After the burst: writes beyond it over the time they took.
    const paced = at.length - burst;
    const minutes = (at.at(-1)! - at[0]!) / 60_000;
    return { total: at.length, perMinuteSeen: paced / minutes, perMinute, burst };
  } finally {
    await h.stop();
  }
}
