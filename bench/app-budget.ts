// What the app costs others: GitHub calls per request and while waiting, PostgreSQL round trips,
// and the write pace two instances keep together.
import { checkRunOf } from '../test/app/harness.ts';
import { TEST_DATABASE_URL } from '../test/helpers/database.ts';
import { configured, harness, POLICY } from './app-setup.ts';
import { countingProxy } from './pg-proxy.ts';

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
