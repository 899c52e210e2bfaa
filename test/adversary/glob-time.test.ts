// Adversary (adv22): globs are compiled to regular expressions (picomatch), and matched against
// values a workflow chooses (the branch name, the step's `action`). One repository's policy with many
// `*`s and a 30-character branch name must not stall the app, which serves every installation:
// matching must be linear in the value (no backtracking regex on input a workflow controls).
import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness } from '../app/harness.ts';

const STARS = `${'*a'.repeat(12)}*b`;
const POLICY = `version: 1
policies:
  - name: greedy
    match: { action: ["deploy-*"], ref: ["refs/heads/${STARS}"] }
    approvers: { users: [alice] }
  - name: web
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
});

describe('glob matching time', () => {
  it('a step on branch "a" × 40 is answered quickly under a policy whose ref glob has a dozen stars', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    // A backtracking matcher takes minutes on this branch name; a linear one, microseconds.
    const step = await h.step({ runId: 22_500, ref: `refs/heads/${'a'.repeat(40)}` });
    const started = performance.now();
    const res = await h.request(step);
    const ms = performance.now() - started;
    expect(ms, 'milliseconds to answer one request').toBeLessThan(5_000);
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('pending'); // governed by "web" only
  });
});
