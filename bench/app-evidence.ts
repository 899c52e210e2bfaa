// What live evidence (auto_approve's evidence keys) costs in GitHub calls and in time: per request, in
// the kind shape (a few checks, two reviews) and the hard one (pages of check runs, statuses and
// reviews, a comparison of 200 files), and per finished check on a waiting request's commit.
import type { AppHarness } from '../test/app/harness.ts';
import { checkRunOf } from '../test/app/harness.ts';
import { configured } from './app-setup.ts';

const POLICY = `version: 1
policies:
  - name: plain
    match: { action: [plain] }
    approvers: { users: [alice] }
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    auto_approve:
      - checks: true
        pull_request: { approvals: 2 }
        changed_paths: ["**"]
        changes: { files: 1000 }
        verified_commit: true
`;

/** The calls made since `from`, by operation, and their total. */
function since(h: AppHarness, from: number): { total: number; by: Record<string, number> } {
  const by: Record<string, number> = {};
  for (const c of h.sim.calls.slice(from)) by[c.operation] = (by[c.operation] ?? 0) + 1;
  return { total: h.sim.calls.length - from, by };
}

export interface EvidenceShape {
  shape: string;
  calls: number;
  by: Record<string, number>;
  createMs: number;
}

/**
 * One request per shape, after a warm-up (policies cached, the last approved commit known): the
 * GitHub calls from the step's request to its 201, and how long that took.
 */
export async function evidenceCalls(): Promise<{ shapes: EvidenceShape[]; perFinishedCheck: number }> {
  const h = configured({ store: 'SQLite', paced: false });
  await h.start({ 'p.yml': POLICY });
  const w = h.sim.world;
  for (const u of ['alice', 'rev-a', 'rev-b', 'carol']) w.addUser(u);
  for (let i = 0; i < 150; i++) h.repo.collaborators.set(i % 2 ? 'rev-a' : `rev-${i}`, 'write');
  let run = 1;
  /** A commit merged through a reviewed pull request, `checks` green check runs, `statuses` green statuses. */
  const commit = (o: { reviews: number; checks: number; statuses: number; files: number }) => {
    const changes = Object.fromEntries(
      Array.from({ length: o.files }, (_, i) => [`src/f${run}-${i}.ts`, 'x']),
    );
    const pull = w.openPull(h.repo, { head: `b${++run}`, user: 'carol', changes });
    for (let i = 0; i < o.reviews; i++)
      w.addReview(h.repo, pull, { user: i % 2 ? 'rev-a' : `rev-${i}`, state: 'APPROVED' });
    const sha = w.mergePull(h.repo, pull);
    for (let i = 0; i < o.checks; i++)
      w.addCheckRunFor(h.repo, sha, { name: `job ${i}`, conclusion: 'success' });
    for (let i = 0; i < o.statuses; i++) w.setStatus(h.repo, sha, { context: `ci/${i}`, state: 'success' });
    w.setVerification(h.repo, sha, { verified: true });
    return sha;
  };
  const measure = async (
    shape: string,
    action: string,
    sha: string,
  ): Promise<EvidenceShape & { id: string }> => {
    const step = await h.step({ runId: ++run, sha });
    const from = h.sim.calls.length;
    const t = performance.now();
    const res = await h.request(step, { action });
    const createMs = performance.now() - t;
    if (res.status !== 201) throw new Error(`${shape}: ${res.status}`);
    const { total, by } = since(h, from);
    await h.settled(res.body.id);
    return { shape, calls: total, by, createMs, id: res.body.id };
  };
  try {
    // Warm-up: policies read, workflow file read, and one approval of deploy-web known.
    const first = await measure(
      'warm-up',
      'deploy-web',
      commit({ reviews: 2, checks: 2, statuses: 0, files: 1 }),
    );
    await h.click(await checkRunOf(h, first.id), 'alice'); // the first has nothing to compare with
    await measure('warm-up', 'plain', commit({ reviews: 0, checks: 0, statuses: 0, files: 1 }));
    const shapes = [
      await measure(
        'no evidence in the policy',
        'plain',
        commit({ reviews: 0, checks: 0, statuses: 0, files: 1 }),
      ),
      await measure(
        'kind: 3 checks, 2 reviews, 3 files',
        'deploy-web',
        commit({ reviews: 2, checks: 3, statuses: 0, files: 3 }),
      ),
      await measure(
        'hard: 250 check runs, 150 statuses, 150 reviews, 200 files',
        'deploy-web',
        commit({ reviews: 150, checks: 250, statuses: 150, files: 200 }),
      ),
    ];
    // A waiting request, and one check finishing on its commit.
    const sha = commit({ reviews: 2, checks: 1, statuses: 0, files: 1 });
    const slow = w.addCheckRunFor(h.repo, sha, { name: 'slow', status: 'in_progress' });
    const step = await h.step({ runId: ++run, sha });
    const waiting = await h.request(step, { action: 'deploy-web' });
    if (!waiting.body.decision.awaiting) throw new Error('the request does not wait on its checks');
    const from = h.sim.calls.length;
    w.completeCheckRun(slow, 'failure'); // failing: no mint, no revocation in the count
    await h.hooks.checkRunCompleted(h.repo, slow, w.addUser('github-actions[bot]'));
    const evidenceOps = [
      'actions/get-workflow-run',
      'checks/list-for-ref',
      'repos/get-combined-status-for-ref',
    ];
    const by = since(h, from).by;
    const perFinishedCheck = evidenceOps.reduce((n, op) => n + (by[op] ?? 0), 0);
    return { shapes: shapes.map(({ id: _, ...s }) => s), perFinishedCheck };
  } finally {
    await h.stop();
  }
}
