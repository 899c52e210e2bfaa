// GitHub that hangs or cannot be reached: every call is bounded (GITHUB_TIMEOUT_MS), a hung write
// does not hold up the installation's queue, and /readyz answers at once with the real cause.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

const h = new AppHarness();
h.env = { GITHUB_TIMEOUT_MS: '500', READYZ_CACHE_SECONDS: '0' }; // each /readyz checks afresh
const down = new AppHarness();
down.env = { READYZ_CACHE_SECONDS: '0' };
afterAll(async () => {
  await h.stop();
  await down.stop();
  h.sim.assertNoViolations();
});

/** GET /readyz, with the time it took to answer. */
async function readyz(url: string): Promise<{ status: number; message: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { error?: { message: string } };
  return { status: res.status, message: body.error?.message ?? '', ms: performance.now() - started };
}

describe('GitHub hangs', () => {
  it('a hung check-run write holds up no other write: it fails after GITHUB_TIMEOUT_MS and is tried again', async () => {
    await h.start({ 'p.yml': POLICY });
    h.sim.inject('checks/create', 'hang');
    const steps = [await h.step({ runId: 1 }), await h.step({ runId: 2 })];
    const started = performance.now();
    // Both create a check run on one installation: one hangs; the other is not queued behind it.
    const answers = await Promise.all(steps.map((s) => h.request(s)));
    const ms = performance.now() - started;
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    const shown = answers.filter((a) => a.body.check_run_url !== null);
    expect(shown).toHaveLength(1); // the other's was made at once, beside the hung one
    expect(ms).toBeLessThan(2_500); // the hung one was abandoned at GITHUB_TIMEOUT_MS (500 ms)
    expect(h.logs.join('')).toMatch(/did not answer .*within 500 ms \(GITHUB_TIMEOUT_MS\)/);
    // The hung one is made by the outbox after its backoff.
    const late = answers.find((a) => a.body.check_run_url === null)!;
    await vi.waitFor(
      () => expect(h.repo.checkRuns.filter((r) => r.external_id === late.body.id)).toHaveLength(1),
      { timeout: 5_000 },
    );
  }, 10_000);

  it('/readyz answers within a second, not ready, when GitHub does not answer', async () => {
    h.sim.inject('apps/get-authenticated', 'hang');
    const ready = await readyz(h.url);
    expect(ready).toMatchObject({ status: 503, message: expect.stringMatching(/did not answer/) });
    expect(ready.ms).toBeLessThan(1_000);
    expect((await readyz(h.url)).status).toBe(200); // the hang was for one call only
  });
});

describe('GitHub unreachable', () => {
  it('/readyz of the app process answers within a second with the real cause', async () => {
    await down.start({ 'p.yml': POLICY }, { app: false });
    await down.startAppProcess(); // as `npm start` runs it: Octokit's retries included
    expect((await readyz(down.url)).status).toBe(200);
    await down.sim.stop();
    const ready = await readyz(down.url);
    expect(ready).toMatchObject({ status: 503, message: expect.stringContaining('ECONNREFUSED') });
    expect(ready.message).not.toMatch(/HTTP 500/);
    expect(ready.ms).toBeLessThan(1_000);
  });
});
