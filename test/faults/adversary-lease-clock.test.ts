// Adversary (faults): two instances on PostgreSQL whose clocks differ by more than the outbox's
// lease (10 s; an NTP step, a VM resumed from suspend). The lease is written and compared with
// each instance's own clock (`claimed_until = now() + leaseMs`, `claimed_until <= now()`), so the
// instance ahead takes over every effect the other is doing, at once, while it is still doing it.
// A check run whose create GitHub is slow to act on is made twice: the second instance's try
// (attempts 2) looks for it by external_id before GitHub made the first, finds none and makes
// another. The first one was never saved, never updated: it was left asking. Leases now go by the
// database clock (pg-outbox.ts).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Runtime } from '../../app/index.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;
const SKEW_MS = 15_000;
const WAIT = { timeout: 20_000, interval: 50 };

const h = new AppHarness();
h.database = { url: TEST_DATABASE_URL, schema: `adv_${randomBytes(6).toString('hex')}` };
h.env = { GITHUB_WRITES_PER_MINUTE: '0', GITHUB_TIMEOUT_MS: '30000' };
let ahead: Runtime | undefined;

beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  h.sim.world.addUser('alice');
  ahead = await h.instance({ clockAheadMs: SKEW_MS });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('two instances whose clocks differ by more than the lease', () => {
  it('a check run GitHub is slow to make is made once, and it is the one that ends', async () => {
    // GitHub takes its time over the first check run's create (it acts once let go).
    let arrived!: () => void;
    const held = new Promise<void>((r) => (arrived = r));
    let letGo!: () => void;
    const gate = new Promise<void>((r) => (letGo = r));
    let first = true;
    h.sim.sideHandlers.push(async (req, _res, url) => {
      if (req.method !== 'POST' || url.pathname !== '/repos/acme/shop/check-runs' || !first) return false;
      first = false;
      arrived();
      await gate;
      return false; // then served as usual: GitHub makes it
    });
    const step = await h.step({ runId: 1 });
    // The instance behind (the app) claims the check run's effect and calls GitHub.
    const asking = h.request(step);
    await held;
    // The instance ahead sweeps: the claim, renewed on the other's clock, is already over on its own.
    await ahead!.service.sweep();
    const id = (await h.runtime.store.pendingRequests()).at(-1)!.id;
    const checkRuns = () => h.repo.checkRuns.filter((c) => c.external_id === id);
    letGo();
    await asking;
    await vi.waitFor(async () => {
      expect((await h.runtime.store.getRequest(id))!.checkRunId).not.toBeNull();
    }, WAIT);
    await h.runtime.service.drain(['check_run']);
    await ahead!.service.drain(['check_run']);
    // The approver clicks the check run the app saved; its request ends approved.
    const saved = (await h.runtime.store.getRequest(id))!.checkRunId!;
    expect((await h.click(saved, 'alice')).status).toBe(200);
    await vi.waitFor(() => expect(h.checkRun(saved).conclusion).toBe('success'), WAIT);
    // Made twice (checks/create answered 201 twice): the other one is never updated, left asking.
    expect(checkRuns().map((c) => c.conclusion)).toEqual(['success']);
  });
});
