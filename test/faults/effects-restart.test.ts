// Issue 23, continued: the fault cases that need the app's clock or a point inside a save. The app
// runs in this process; "stopping at the point" is the app stopped there with nothing cleaned up
// (the save that would follow never returns), then the store restarted and the app started again.
// On SQLite and on a PostgreSQL cluster the test stops and starts.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { StoredRequest } from '../../app/domain/request.ts';
import { AppHarness, checkRunOf } from '../app/harness.ts';
import { postgres, sqlite, type StoreUnderTest } from './stores.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob] }
    required: 2
    notify: { remind_every: 1m }
  - name: routine
    match: { action: ["routine-*"] }
    auto_approve: [{}]
    token: { permissions: { contents: read }, ttl: 15m }
`;
const WAIT = { timeout: 30_000, interval: 50 };
const pg = postgres();
afterAll(() => pg.destroy());

describe.each([sqlite, pg])('on $name, the app stopped at a point', (store: StoreUnderTest) => {
  let h: AppHarness;
  let run = 0;
  afterEach(async () => {
    await h?.stop();
    h?.sim.assertNoViolations();
  });

  async function start(): Promise<AppHarness> {
    h = new AppHarness();
    h.env = { GITHUB_WRITES_PER_MINUTE: '0', GITHUB_TIMEOUT_MS: '2000' };
    await store.attach(h);
    await h.start({ 'p.yml': POLICY });
    for (const u of ['alice', 'bob']) h.sim.world.addUser(u);
    return h;
  }

  /**
   * Stops the app where it is (nothing is cleaned up) and the store with it (PostgreSQL at once:
   * its connections, and the locks they held, go as a dead process's would), then starts both.
   */
  async function restart(): Promise<void> {
    const port = Number(new URL(h.url).port);
    await store.halt();
    await h.stopApp();
    await store.resume();
    await h.startApp(port);
  }

  /** Tokens GitHub minted for acme/shop since `before` (a set of hashes). */
  const mintedSince = (before: Set<string>) =>
    [...h.sim.world.tokens.values()].filter(
      (t) => !before.has(t.hash) && Array.isArray(t.repositories) && t.repositories.includes(h.repo.id),
    );

  it('a reminder GitHub posted but never confirmed is posted once: the interval is neither skipped nor doubled', async () => {
    await start();
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const reminders = () =>
      h.repo.commitComments.filter((c) => c.body.startsWith('**Reminder**') && c.body.includes(body.id));
    h.offsetMs += 61_000;
    h.sim.inject('repos/create-commit-comment', 'withhold');
    const hung = h.sim.nextHang('repos/create-commit-comment');
    void h.runtime.service.remind().catch(() => undefined);
    await hung;
    expect(reminders()).toHaveLength(1);
    await restart();
    await vi.waitFor(async () => {
      const events = await h.runtime.store.auditOf(body.id);
      expect(events.filter((e) => e.type === 'reminder')).toHaveLength(1);
      const left = await h.runtime.service.ledger.outstanding(body.id);
      expect(left.filter((e) => e.kind === 'follow_up')).toEqual([]);
    }, WAIT);
    await h.runtime.service.drain(['follow_up']);
    await h.runtime.service.remind(); // the same interval: nothing more
    await h.runtime.service.drain(['follow_up']);
    expect(reminders()).toHaveLength(1);
    h.offsetMs += 61_000; // the next interval: one more
    await h.runtime.service.remind();
    await h.runtime.service.drain(['follow_up']);
    expect(reminders()).toHaveLength(2);
  });

  it('a token minted and not yet saved is revoked by the restarted app at once, once, and the step gets its own', async () => {
    await start();
    const step = await h.step({ runId: ++run });
    const before = new Set(h.sim.world.tokens.keys());
    const s = h.runtime.store;
    const save = s.saveRequest.bind(s);
    let reached!: () => void;
    const frozen = new Promise<void>((r) => (reached = r));
    s.saveRequest = (r: StoredRequest, audit = [], effects = []) => {
      if (!audit.some((e) => e.type === 'token_granted')) return save(r, audit, effects);
      reached();
      return new Promise<boolean>(() => undefined); // the process stopped in this save
    };
    const asking = h.request(step, { action: 'routine-backup' }).catch(() => undefined);
    await frozen;
    const [lost] = mintedSince(before);
    expect(lost!.revoked).toBe(false);
    await restart();
    await asking;
    // No grace period: the first sweep after the start finds it.
    await h.runtime.service.sweep();
    await vi.waitFor(() => expect(lost!.revocations).toBe(1), WAIT);
    const events = (await h.runtime.store.auditEvents()).filter((e) => e.data.token_sha256 === lost!.hash);
    expect(events.map((e) => e.type)).toEqual(['token_granted', 'token_revoked']);
    expect(events[1]!.data).toMatchObject({ why: 'never_handed_over' });
    const again = await h.request(step, { action: 'routine-backup' });
    expect(again.body.status).toBe('approved');
    expect(
      await h.tokenReach(await h.decrypt(step, again.body.token!.jwe), '.approvals/p.yml'),
    ).toMatchObject({
      read: 200,
    });
    await h.runtime.service.sweep();
    expect(lost!.revocations).toBe(1);
  });

  it('a mint GitHub made and never answered: audited as of unknown outcome, and the step gets a token', async () => {
    await start();
    const step = await h.step({ runId: ++run });
    await h.runtime.github.loadPolicies(
      await h.runtime.github.installationFor('acme', 'shop'),
      'acme',
      'shop',
    );
    h.sim.inject('apps/create-installation-access-token', 'withhold');
    const hung = h.sim.nextHang('apps/create-installation-access-token');
    const asking = h.request(step, { action: 'routine-backup' }).catch(() => undefined);
    await hung;
    await restart();
    await asking;
    await h.runtime.service.sweep();
    await vi.waitFor(async () => {
      const types = (await h.runtime.store.auditEvents()).map((e) => e.type);
      expect(types).toContain('token_mint_unknown');
    }, WAIT);
    const again = await h.request(step, { action: 'routine-backup' });
    expect(again.body.status).toBe('approved');
    expect(await h.decrypt(step, again.body.token!.jwe)).toMatch(/^ghs_/);
  });

  it('a redelivered /approve that was counted is neither counted again nor answered', async () => {
    await start();
    const sha = h.sim.world.commit(h.repo, 'main', { 'r.txt': String(++run) });
    const step = await h.step({ runId: run, sha });
    const { body } = await h.request(step);
    await h.settled(body.id);
    const alice = h.sim.world.addUser('alice');
    const delivery = await h.hooks.commitComment(h.repo, sha, alice, '/approve');
    await restart();
    const comments = h.repo.commitComments.length;
    expect((await h.hooks.redeliver(delivery)).status).toBe(200);
    await h.settled(body.id);
    expect((await h.runtime.store.votes(body.id)).map((v) => v.voterLogin)).toEqual(['alice']);
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('pending');
    expect(h.repo.commitComments.length).toBe(comments); // no "no request waits" answer
  });

  it('a final comment edit GitHub fails once is tried again: the comment never goes on asking', async () => {
    await start();
    const sha = h.sim.world.commit(h.repo, 'main', { 'e.txt': String(++run) });
    const step = await h.step({ runId: run, sha });
    const { body } = await h.request(step);
    await h.settled(body.id);
    const comment = () => h.repo.commitComments.find((c) => c.body.includes(`request ${body.id} -->`))!;
    await h.click(await checkRunOf(h, body.id), 'alice');
    await h.settled(body.id);
    h.sim.inject('repos/update-commit-comment', 502);
    await h.click(await checkRunOf(h, body.id), 'bob');
    await restart();
    await vi.waitFor(() => expect(comment().body).toContain('Approved'), WAIT);
    const edits = h.sim.calls.filter((c) => c.operation === 'repos/update-commit-comment');
    expect(edits.map((c) => c.status)).toContain(502);
  });

  it('a hung check-run write holds up no other request’s: writes are paced per installation, not queued', async () => {
    await start();
    h.sim.inject('checks/create', 'hang');
    const hung = h.sim.nextHang('checks/create');
    const first = await h.step({ runId: ++run });
    const asking = h.request(first);
    await hung; // GitHub holds the first check run's create (until GITHUB_TIMEOUT_MS, 2 s here)
    const second = await h.step({ runId: ++run });
    const { body } = await h.request(second);
    // The second request's check run is made while the first's call still hangs.
    expect(h.repo.checkRuns.filter((r) => r.external_id === body.id)).toHaveLength(1);
    const late = (await asking).body;
    await vi.waitFor(
      () => expect(h.repo.checkRuns.filter((r) => r.external_id === late.id)).toHaveLength(1),
      WAIT,
    );
  });
});
