// Issue 23: the instance-kill load test. Two app processes on one PostgreSQL database behind a
// round-robin proxy; STEPS steps ask, approvers vote at random (approve or deny), approved steps
// take their token and end their job; meanwhile an instance is killed (SIGKILL) every few seconds
// and started again. Afterwards: no check run is left asking for approval, every token minted is
// revoked, no vote is lost, and no effect happened twice. KILL_STEPS sets the number of steps,
// KILL_SEED the seed; KILL_LOG names a file to write the instances' logs to.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PgStore } from '../../app/store/pg-store.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { AppHarness, freePort, type Step } from '../app/harness.ts';
import { roundRobinProxy } from '../app/proxy.ts';

const STEPS = Number(process.env.KILL_STEPS ?? 120);
const AT_ONCE = 12;
const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read }, ttl: 15m }
`;

/** A small seeded generator: the same run of kills and votes for the same seed. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * Tries `work` until it gives an answer `ok` accepts (a step's and GitHub's retries), for 90 s at
 * most: then fails naming `what` and the last answer.
 */
async function until<T>(what: string, work: () => Promise<T>, ok: (t: T) => boolean): Promise<T> {
  const end = Date.now() + 90_000;
  let last: unknown;
  while (Date.now() < end) {
    const got = await work().catch(
      (err: unknown) => (
        (last = `${String(err)} (${String((err as { cause?: unknown }).cause)})`),
        undefined
      ),
    );
    if (got !== undefined && ok(got)) return got;
    if (got !== undefined) last = got;
    await new Promise((r) => setTimeout(r, 100)); // a retry's backoff, not a wait for a condition
  }
  throw new Error(
    `${what}: no answer in 90 s; the last: ${JSON.stringify(last)?.slice(0, 500) ?? String(last)}`,
  );
}

const h = new AppHarness();
h.database = { url: TEST_DATABASE_URL, schema: `k_${randomBytes(6).toString('hex')}` };
h.env = { GITHUB_WRITES_PER_MINUTE: '0' };
let proxy: Awaited<ReturnType<typeof roundRobinProxy>> | undefined;
afterAll(async () => {
  if (process.env.KILL_LOG) (await import('node:fs')).writeFileSync(process.env.KILL_LOG, h.logs.join(''));
  await h.stop();
  proxy?.server.close();
  h.sim.assertNoViolations();
});

describe('instances killed every few seconds under load', () => {
  it('lose no vote, leave no check run asking, revoke every token, and do nothing twice', async () => {
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 100_000);
    const rand = random(seed);
    await h.start({ 'p.yml': POLICY }, { app: false });
    const alice = h.sim.world.addUser('alice');
    const ports = [await freePort(), await freePort()];
    const children: ChildProcess[] = [];
    for (const port of ports) children.push(await h.startAppProcess(port));
    proxy = await roundRobinProxy(ports.map((p) => `http://127.0.0.1:${p}`));
    h.url = proxy.url;

    let running = true;
    let kills = 0;
    const killer = (async () => {
      while (running) {
        await new Promise((r) => setTimeout(r, 1_500 + rand() * 2_000)); // the load's own rhythm
        if (!running) break;
        const i = Math.floor(rand() * children.length);
        await h.killAppProcess(children[i]);
        kills++;
        children[i] = await h.startAppProcess(ports[i]);
        h.url = proxy!.url;
      }
    })();

    const decided = new Map<string, 'approved' | 'denied'>();
    const tokens = new Set<string>();
    const one = async (n: number): Promise<void> => {
      const sha = h.sim.world.commit(h.repo, 'main', { [`k${n}.txt`]: String(n) });
      const step: Step = await h.step({ runId: 50_000 + n, sha });
      const created = await until(
        `create ${n}`,
        () => h.request(step),
        (r) => r.status === 201 || r.status === 200,
      );
      const id = created.body.id;
      const checkRun = await until(
        `check run of ${id}`,
        async () => h.repo.checkRuns.find((c) => c.external_id === id),
        (c) => c !== undefined,
      );
      const vote = rand() < 0.7 ? 'approve' : 'deny';
      await until(
        `vote on ${id}`,
        () => h.hooks.checkRunRequestedAction(h.repo, checkRun!, vote, alice),
        (d) => d.status >= 200 && d.status < 300,
      );
      decided.set(id, vote === 'approve' ? 'approved' : 'denied');
      const done = await until(
        `decision of ${id}`,
        () => h.poll(step, id, 20),
        (r) => r.status === 200 && r.body.status !== 'pending',
      );
      expect(done.body.status).toBe(decided.get(id));
      if (done.body.status === 'approved') tokens.add(await h.decrypt(step, done.body.token!.jwe));
      await until(
        `job of ${id} completed`,
        () => h.hooks.workflowJobCompleted(h.repo, step.simJob, alice),
        (d) => d.status >= 200 && d.status < 300,
      );
    };
    const queue = Array.from({ length: STEPS }, (_, n) => n);
    await Promise.all(
      Array.from({ length: AT_ONCE }, async () => {
        for (let n = queue.shift(); n !== undefined; n = queue.shift()) await one(n);
      }),
    );
    running = false;
    await killer;
    expect(kills, `seed ${seed}`).toBeGreaterThan(0);

    const ids = [...decided.keys()];
    const store = await PgStore.open(h.database!.url, h.database!.schema);
    try {
      await vi.waitFor(
        async () => {
          for (const id of ids) {
            const runs = h.repo.checkRuns.filter((c) => c.external_id === id);
            expect(runs, `one check run for ${id} (seed ${seed})`).toHaveLength(1);
            expect(runs[0]!.conclusion).toBe(decided.get(id) === 'approved' ? 'success' : 'failure');
            // At most one comment (none when the vote came before anyone was told), showing the end.
            const notices = h.repo.commitComments.filter((c) => c.body.includes(`request ${id} -->`));
            expect(notices.length, `comments for ${id}`).toBeLessThanOrEqual(1);
            if (notices[0])
              expect(notices[0].body).toContain(decided.get(id) === 'approved' ? 'Approved' : 'Denied');
          }
          // Every token GitHub minted for the repository is revoked, or was never known to the app
          // (GitHub's answer lost in the kill: audited as token_mint_unknown, lapsing at its hour).
          const minted = [...h.sim.world.tokens.values()].filter(
            (t) => Array.isArray(t.repositories) && t.repositories.includes(h.repo.id),
          );
          const unknown = (await store.auditEvents()).filter((e) => e.type === 'token_mint_unknown');
          expect(minted.filter((t) => !t.revoked).length, `seed ${seed}`).toBeLessThanOrEqual(unknown.length);
        },
        { timeout: 60_000, interval: 250 },
      );
      for (const id of ids) {
        const votes = await store.votes(id);
        expect(
          votes.map((v) => v.decision),
          `votes of ${id}`,
        ).toEqual([decided.get(id) === 'approved' ? 'approve' : 'deny']);
      }
      const creates = h.sim.calls.filter((c) => c.operation === 'checks/create' && c.status === 201);
      expect(creates).toHaveLength(ids.length);
    } finally {
      await store.close();
    }
  }, 600_000);
});
