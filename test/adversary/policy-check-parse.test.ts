// Adversary (adv22, new surfaces): the policy check validates a stranger's pull request that adds
// policy files. It bounded what it read (100 files, each at most 1 MiB) but not what validating
// them costs: 100 files of 1 MiB of hostile policies blocked the event loop for about 45 s and took
// the process past 3 GB; 12 files, about 6 s. Now a directory's policy files may hold 1 MiB
// together (MAX_POLICY_BYTES): the listing's sizes refuse more before any file is read, and one
// check validates at most 1 MiB.
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
    // Refused from the listing: no policy file of the pull request was read.
    const read = h.sim.calls.filter(
      (c) => c.operation === 'repos/get-content' && c.status === 200 && /\/f\d+\.yml/.test(c.path),
    );
    expect(read).toHaveLength(0);
    const check = h.repo.checkRuns.find((c) => c.name === 'policy check' && c.head_sha === pull.headSha)!;
    expect(check.conclusion).toBe('failure');
    expect(check.output.text).toContain('at most 1048576 (1 MiB) are read');
    expect(Math.round(longest), 'milliseconds the event loop was blocked at once').toBeLessThan(1_000);
  }, 180_000);
});
