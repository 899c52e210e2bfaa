import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal, sealKeys } from '../../app/crypto/seal.ts';
import { newPrivateKey } from '../helpers/audit-log.ts';
import { runCliWith } from '../helpers/cli.ts';
import { AppHarness } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: routine
    match: { action: [publish-docs] }
    auto_approve: [{}]
    token: { permissions: { contents: read }, ttl: 10m }
`;

const h = new AppHarness();
h.sweepEveryMs = 3_600_000; // sweeps happen when a test says so
let run = 0;
beforeAll(() => h.start({ 'p.yml': POLICY }));
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const reach = (token: string) =>
  new Octokit({ baseUrl: h.sim.url, auth: token, request: { retries: 0 }, log: quiet }).repos
    .get({ owner: 'acme', repo: 'shop' })
    .then(
      (r) => r.status,
      (e: { status: number }) => e.status,
    );

/** An auto-approved request: its id and the token the step received. */
async function granted(): Promise<{ id: string; token: string }> {
  const step = await h.step({ runId: ++run });
  const { body } = await h.request(step, { action: 'publish-docs' });
  expect(body.status).toBe('approved');
  return { id: body.id, token: await h.decrypt(step, body.token!.jwe) };
}

async function sweepAt(aheadMs: number): Promise<void> {
  h.offsetMs = aheadMs;
  try {
    await h.runtime.service.sweep();
  } finally {
    h.offsetMs = 0;
  }
}

const events = async (type: string, requestId: string) =>
  (await h.runtime.store.auditEvents()).filter((e) => e.type === type && e.requestId === requestId);

describe('revoking tokens at their TTL', () => {
  it('a token that cannot be unsealed does not stop the sweep: audited once, counted, not retried', async () => {
    const stuck = await granted();
    const next = await granted();
    // Sealed under a key the app does not hold, as after a rotation without PREVIOUS_PRIVATE_KEY.
    const r = (await h.runtime.store.getRequest(stuck.id))!;
    r.legs[0]!.token!.sealed = seal(stuck.token, sealKeys(newPrivateKey()));
    expect(await h.runtime.store.saveRequest(r)).toBe(true);

    await sweepAt(11 * 60_000);
    expect(await reach(next.token)).toBe(401); // the token after it was still revoked
    expect(await reach(stuck.token)).toBe(200); // GitHub lets it lapse at its expiry
    const failed = await events('token_revoke_failed', stuck.id);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({
      token_sha256: r.legs[0]!.token!.hash,
      error: expect.stringMatching(/not configured/),
    });
    expect(await h.runtime.metrics.render()).toContain('jit_token_revoke_failures_total 1');

    await sweepAt(12 * 60_000);
    expect(await events('token_revoke_failed', stuck.id)).toHaveLength(1);
    expect((await h.runtime.store.unrevokedTokens()).map((t) => t.id)).not.toContain(stuck.id);
  });

  it('a revocation GitHub fails is tried again by the next sweep, not given up', async () => {
    const t = await granted();
    h.sim.inject('apps/revoke-installation-access-token', 502, 1);
    await sweepAt(11 * 60_000);
    expect(await reach(t.token)).toBe(200);
    expect(await events('token_revoke_failed', t.id)).toHaveLength(0);
    await sweepAt(11 * 60_000 + 5_000); // past the retry's backoff
    expect(await reach(t.token)).toBe(401);
    expect(await events('token_revoked', t.id)).toHaveLength(1);
  });

  it('a token sealed under the previous private key is revoked after the key changes', async () => {
    const before = await granted();
    const oldKey = h.sim.world.app.privateKey;
    const newKey = newPrivateKey();
    await h.stopApp();
    h.env = { PRIVATE_KEY: newKey, PREVIOUS_PRIVATE_KEY: oldKey };
    await h.startApp();

    await sweepAt(11 * 60_000);
    expect(await reach(before.token)).toBe(401);
    expect(await events('token_revoked', before.id)).toHaveLength(1);

    // The audit log verifies across the rotation with both keys, and names the old key without it.
    const log = ['audit', 'verify', '--data-dir', h.dataDir];
    const both = await runCliWith({ PRIVATE_KEY: newKey, PREVIOUS_PRIVATE_KEY: oldKey }, ...log);
    expect(both.stdout).toMatch(/^audit log intact: /);
    expect(both.code).toBe(0);
    const newOnly = await runCliWith({ PRIVATE_KEY: newKey }, ...log);
    expect(newOnly.code).toBe(1);
    expect(newOnly.stdout).toMatch(/^audit log BROKEN at event 1: .*PREVIOUS_PRIVATE_KEY/);
  });
});
