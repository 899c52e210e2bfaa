// Minting tokens when a part fails: GitHub refusing a mint once, and the app dying between
// GitHub's answer and the save that hands the token to its step.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StoredRequest } from '../../app/domain/request.ts';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: routine
    match: { action: ["routine-*"] }
    approvers: { users: [alice] }
    auto_approve: [{ actor: [dana] }]
    token: { permissions: { contents: read }, ttl: 15m }
`;

const h = new AppHarness();
let runId = 0;
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  // The app's own installation token (minted the same way) is in hand: injected faults hit grants.
  const github = h.runtime.github;
  await github.loadPolicies(await github.installationFor('acme', 'shop'), 'acme', 'shop');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

/** Tokens GitHub has minted for acme/shop since `before` (a set of hashes). */
function mintedSince(before: Set<string>) {
  return [...h.sim.world.tokens.values()].filter(
    (t) => !before.has(t.hash) && Array.isArray(t.repositories) && t.repositories.includes(h.repo.id),
  );
}

describe('an auto-approved request', () => {
  it('whose first mint GitHub answers 502: the step still ends holding its token', async () => {
    const step = await h.step({ runId: ++runId });
    h.sim.inject('apps/create-installation-access-token', 502);
    const since = h.sim.calls.length;
    const result = await h.actionStep(step, { action: 'routine-backup' }).result;
    expect(result.conclusion).toBe('success');
    expect(result.outputs.status).toBe('approved');
    expect(await h.tokenReach(result.outputs.token!, '.approvals/p.yml')).toMatchObject({ read: 200 });
    const mints = h.sim.calls
      .slice(since)
      .filter((c) => c.operation === 'apps/create-installation-access-token');
    expect(mints.map((c) => c.status)).toEqual([502, 201]);
  });
});

describe('the app dying between a mint and its save', () => {
  it('leaves a journalled token that the restarted app revokes, once, and audits', async () => {
    const step = await h.step({ runId: ++runId });
    const before = new Set(h.sim.world.tokens.keys());
    // The save that would hand the token over never returns: the process froze or died there.
    const store = h.runtime.store;
    const save = store.saveRequest.bind(store);
    let reached!: () => void;
    const frozen = new Promise<void>((r) => (reached = r));
    store.saveRequest = (r: StoredRequest, audit = []) => {
      if (!audit.some((e) => e.type === 'token_granted')) return save(r, audit);
      reached();
      return new Promise<boolean>(() => undefined);
    };
    const asking = h.request(step, { action: 'routine-backup' }).catch(() => undefined);
    await frozen;
    const [lost] = mintedSince(before);
    expect(lost).toBeDefined();
    expect(lost!.revoked).toBe(false);

    const port = Number(new URL(h.url).port);
    await h.stopApp(); // no cleanup runs: the grant is still "in progress" when the app goes
    await asking;
    h.offsetMs = 60_000; // past the journal's grace period
    try {
      await h.startApp(port);
      await vi.waitFor(() => expect(lost!.revocations).toBe(1), { timeout: 5_000 });
      await h.runtime.service.sweep();
      await h.runtime.service.sweep();
    } finally {
      h.offsetMs = 0;
    }
    expect(lost!.revocations).toBe(1);
    const events = (await h.runtime.store.auditEvents()).filter((e) => e.data.token_sha256 === lost!.hash);
    expect(events.map((e) => e.type)).toEqual(['token_granted', 'token_revoked']);
    expect(events[1]!.data).toMatchObject({ why: 'never_handed_over' });

    // The step, asking again, gets a token of its own (a new one) and keeps it.
    const again = await h.request(step, { action: 'routine-backup' });
    expect(again.body.status).toBe('approved');
    const token = await h.decrypt(step, again.body.token!.jwe);
    expect(await h.tokenReach(token, '.approvals/p.yml')).toMatchObject({ read: 200 });
    await h.runtime.service.sweep();
    expect(mintedSince(before).filter((t) => t.revocations > 0)).toHaveLength(1);
  });
});
