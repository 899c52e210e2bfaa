// Adversary (adv22, new surfaces): the policy check validates a stranger's pull request that adds
// policy files. The README bounds what it reads (100 files, each at most 1 MiB, by blob sha) and how
// often (30 checks per sender an hour), but not what validating them costs: every file is parsed,
// compiled and checked in one synchronous call, and every error of every file is built and sorted
// before the first 50 are shown. One check of 100 files of 1 MiB blocks the event loop for about
// 45 s and takes the process past 3 GB (measured with loadPolicies alone), stalling every
// installation's requests, long-polls and webhooks, and an OOM kill away from taking the app down.
// This test uses 12 files to stay cheap: the stall grows with the file count.
import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

/** About 1 MiB of policies, each with one error the checks beyond the schema find (a freeze ending before it starts). */
function hostileFile(f: number): string {
  let s = 'version: 1\npolicies:\n';
  while (s.length < 1_040_000)
    s += `  - {name: f${f}p${s.length}, match: {action: [x]}, approvers: {users: [a]}, freeze: [{from: "2026-01-01T00:00:00Z", until: "2025-01-01T00:00:00Z"}]}\n`;
  return s;
}

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
});

describe("validating a stranger's policy files", () => {
  it('a pull request adding 12 policy files of 1 MiB does not block the event loop for seconds', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    h.repo.private = false;
    const changes: Record<string, string> = {};
    for (let f = 0; f < 12; f++) changes[`.approvals/f${f}.yml`] = hostileFile(f);
    const pull = h.sim.world.openPull(h.repo, { head: 'mallory-big', user: 'mallory', changes });
    // The longest time the event loop (the app's, which serves every installation) did not turn.
    let last = performance.now();
    let longest = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 10);
    try {
      await h.hooks.pullRequest(h.repo, pull, 'opened');
    } finally {
      clearInterval(tick);
    }
    const read = h.sim.calls.filter((c) => c.operation === 'repos/get-content' && c.status === 200);
    expect(read.length, 'the policy check read the files').toBeGreaterThanOrEqual(12);
    expect(Math.round(longest), 'milliseconds the event loop was blocked at once').toBeLessThan(1_000);
  }, 180_000);
});
