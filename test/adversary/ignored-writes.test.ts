// Adversary (adv22): a stranger's ignored comment commands are shown on the request's check run (one
// update per request every 2 s). Those updates are normal-lane writes on the installation's paced
// budget (GITHUB_WRITES_PER_MINUTE): a stranger who names several waiting requests must not queue
// writes ahead of a real request's check run (answers to ignored commands go in the low lane; the
// check-run updates they cause must not take the normal lane's budget either).
import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    notify: { github: none }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
});

describe("a stranger's ignored commands and the installation's write pacing", () => {
  it('a real request’s check run is not queued behind the check-run updates a stranger’s commands cause', async () => {
    h = new AppHarness();
    h.env = { GITHUB_WRITES_PER_MINUTE: '60', GITHUB_WRITE_BURST: '2' };
    await h.start({ 'p.yml': POLICY });
    h.repo.private = false;
    const shas: string[] = [];
    for (let i = 0; i < 6; i++) {
      const sha = h.sim.world.commit(h.repo, 'main', { [`w-${i}`]: 'x' });
      const { body } = await h.request(await h.step({ runId: 22_300 + i, sha }));
      expect(body.status).toBe('pending');
      shas.push(sha);
    }
    const mallory = h.sim.world.addUser('mallory');
    for (const sha of shas) await h.hooks.commitComment(h.repo, sha, mallory, '/approve deploy-web');
    // The 2 s timer of the ignored clicks fires now (not awaited: the writes queue up).
    // The updates they cause go in the low lane (a burst of 3, then one every 10 s): not awaited.
    void h.runtime.service.ignored.flushAll().catch(() => undefined);
    const real = h.request(await h.step({ runId: 22_399 }));
    expect((await real).body.status).toBe('pending');
    await h.settled((await real).body.id);
    const writes = h.sim.calls.filter((c) => c.method !== 'GET');
    const creates = writes.flatMap((c, i) => (c.operation === 'checks/create' ? [i] : []));
    const realCreate = creates.at(-1)!;
    const strangersFirst = writes.slice(0, realCreate).filter((c) => c.operation === 'checks/update').length;
    expect(
      strangersFirst,
      'check-run updates caused by a stranger before the real check run',
    ).toBeLessThanOrEqual(3);
  });
});
