// Issue 26, outsider (severity HIGH: an automatic approval against the policy). `changed_paths`
// looks only at each changed file's new name. GitHub's compare lists a moved file once, as
// `renamed`, with its old name in `previous_filename` and, moved unchanged, no lines changed. So a
// commit that moves `src/auth/guard.ts` into `docs/` (taking it out of the build: the code it guarded
// now runs without it) is "1 file, 0 lines changed under docs/**", approved automatically under
// `changed_paths: ["docs/**"]` and `changes: { lines: 0 }` alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: docs
    match: { action: [publish-docs] }
    approvers: { users: [sre-ann] }
    auto_approve:
      - changed_paths: ["docs/**"]
        changes: { files: 5, lines: 0 }
`;

let h: AppHarness;
beforeAll(async () => {
  h = await new AppHarness().start({
    'p.yml': POLICY,
  });
  h.sim.world.addUser('sre-ann');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('a file moved from outside changed_paths into them', () => {
  it('is a change outside changed_paths: the approvers decide', async () => {
    const w = h.sim.world;
    const first = w.commit(h.repo, 'main', { 'src/auth/guard.ts': 'export const guard = check;\n' });
    const s1 = await h.step({ runId: 26_301, sha: first });
    const r1 = await h.request(s1, { action: 'publish-docs' });
    await h.click(await checkRunOf(h, r1.body.id), 'sre-ann');
    expect((await h.poll(s1, r1.body.id)).body.status).toBe('approved');

    // The guard leaves src/ (a rename: same content, new name under docs/).
    const moved = w.commit(h.repo, 'main', {
      'src/auth/guard.ts': null,
      'docs/guard.ts': 'export const guard = check;\n',
    });
    const r2 = await h.request(await h.step({ runId: 26_302, sha: moved }), { action: 'publish-docs' });
    expect(r2.body.status).toBe('pending');
    expect(r2.body.decision.auto).toBe(false);
  });
});
