// The "green" scenario's world: a reviewed change merged into main, and CI that finishes on cue.
import type { AppHarness } from '../test/app/harness.ts';

/**
 * The "green" scenario's evidence on GitHub: a pull request of carol's, approved by bob, merged into
 * main; CI's `build` passed on the merge commit and `test (unit)` is running. `pass` finishes it.
 */
export function greenEvidence(
  h: AppHarness,
  print: (line: string) => void,
): { sha: string; pass: () => Promise<void> } {
  const w = h.sim.world;
  const pull = w.openPull(h.repo, {
    head: 'faster-checkout',
    user: 'carol',
    changes: { 'src/checkout.ts': 'fast' },
  });
  w.addReview(h.repo, pull, { user: 'bob', state: 'APPROVED' });
  h.repo.collaborators.set('bob', 'write'); // a review counts only from someone who may write
  const sha = w.mergePull(h.repo, pull);
  w.addCheckRunFor(h.repo, sha, { name: 'build', conclusion: 'success' });
  const tests = w.addCheckRunFor(h.repo, sha, { name: 'test (unit)', status: 'in_progress' });
  print(
    `GitHub: pull request #${pull.number} by carol, approved by bob, merged as ${sha.slice(0, 7)}; CI: build passed, test (unit) running`,
  );
  return {
    sha,
    pass: async () => {
      w.completeCheckRun(tests, 'success');
      print('   CI | test (unit) passed');
      await h.hooks.checkRunCompleted(h.repo, tests, w.addUser('github-actions[bot]'));
    },
  };
}
