// Issue 26: auto_approve on live evidence, end to end through the real app and the simulator: CI
// green and two reviews approve at once; running checks make the request wait and it is decided when
// they finish; a failed check or an unreadable signal hands it to the approvers; docs-only changes
// since the last approval ship; dismissed reviews and the actor's own review never count.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SimPull } from '../github-sim/world.ts';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"], environment: [production] }
    approvers: { users: [sre-ann, sre-bo] }
    required: 2
    token: { permissions: { contents: read }, ttl: 10m }
    auto_approve:
      - ref: [refs/heads/main]
        checks: [build, "test (*)"]
        pull_request: { approvals: 2 }
  - name: gate
    match: { action: [job-gate], environment: [production] }
    approvers: { users: [sre-ann] }
    auto_approve:
      - checks: [build]
        pull_request: { approvals: 1 }
  - name: docs
    match: { action: [publish-docs] }
    approvers: { users: [sre-ann] }
    auto_approve:
      - changed_paths: ["docs/**"]
`;

let h: AppHarness;
let run = 26_000;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
  for (const u of ['sre-ann', 'sre-bo', 'alice', 'bob', 'carol']) h.sim.world.addUser(u);
  // Reviews count only from those who may write to the repository, as in GitHub's branch protection.
  for (const u of ['alice', 'bob', 'dana']) h.repo.collaborators.set(u, 'write');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

/** A pull request by carol merged into main, reviewed by `reviewers` (approving); returns the merge commit. */
function merged(reviewers: string[], changes: Record<string, string> = {}): { sha: string; pull: SimPull } {
  const w = h.sim.world;
  const pull = w.openPull(h.repo, {
    head: `feature-${++run}`,
    user: 'carol',
    changes: { [`src/f${run}.ts`]: 'x', ...changes },
  });
  for (const user of reviewers) w.addReview(h.repo, pull, { user, state: 'APPROVED' });
  return { sha: w.mergePull(h.repo, pull), pull };
}

const green = (sha: string) => {
  h.sim.world.addCheckRunFor(h.repo, sha, { name: 'build', status: 'completed', conclusion: 'success' });
  h.sim.world.addCheckRunFor(h.repo, sha, {
    name: 'test (linux)',
    status: 'completed',
    conclusion: 'success',
  });
};
const reasons = (body: { decision: { reasons: { message: string }[] } }) =>
  body.decision.reasons.map((r) => r.message).join('\n');
const mentions = (id: string) => h.repo.commitComments.filter((c) => c.body.includes(id));

describe('auto_approve on live evidence', () => {
  it('approves a deploy whose CI is green and whose pull request two others approved, and shows why everywhere', async () => {
    const { sha } = merged(['alice', 'bob']);
    green(sha);
    const step = await h.step({ runId: ++run, sha });
    const res = await h.request(step);
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('approved');
    expect(res.body.decision.auto).toBe(true);
    const why = reasons(res.body);
    expect(why).toMatch(/CI green \(build, test \(linux\)\); PR #\d+ approved by @alice, @bob/);
    // The asking run's own job is not among the checks (it is still running).
    expect(why).not.toContain(step.simJob.name + ',');
    await h.settled(res.body.id);
    const check = h.checkRun(await checkRunOf(h, res.body.id));
    // What reviewers read has word joiners before `@` and `#` (no mention, no link): read it without them.
    expect(check.output.title!.replaceAll('\u2060', '')).toMatch(
      /^Approved automatically: deploy-web \(CI green \(build, test \(linux\)\); PR #\d+ approved by @alice, @bob\)$/,
    );
    expect(check.output.summary).toContain('### Evidence');
    const audit = await h.runtime.store.auditOf(res.body.id);
    const decision = audit.find((e) => e.type === 'decision')!;
    expect(JSON.stringify(decision.data)).toContain('"kind":"pull_request"');
    expect(mentions(res.body.id)).toHaveLength(0);
  });

  it('waits while CI runs, telling nobody, and approves when it passes', async () => {
    const { sha } = merged(['alice', 'bob']);
    const build = h.sim.world.addCheckRunFor(h.repo, sha, { name: 'build', status: 'in_progress' });
    h.sim.world.addCheckRunFor(h.repo, sha, {
      name: 'test (linux)',
      status: 'completed',
      conclusion: 'success',
    });
    const step = await h.step({ runId: ++run, sha });
    const res = await h.request(step);
    expect(res.body.status).toBe('pending');
    expect(res.body.decision.awaiting).toEqual({ checks: ['build'], until_seconds: 1800 });
    await h.settled(res.body.id);
    expect(h.checkRun(await checkRunOf(h, res.body.id)).output.title).toBe(
      'Waiting for checks (build): deploy-web',
    );
    expect(mentions(res.body.id)).toHaveLength(0);
    h.sim.world.completeCheckRun(build, 'success');
    await h.hooks.checkRunCompleted(h.repo, build, h.sim.world.addUser('github-actions[bot]'));
    const after = await h.poll(step, res.body.id);
    expect(after.body.status).toBe('approved');
    expect(after.body.token).toBeTruthy();
    expect(reasons(after.body)).toContain('CI green (build, test (linux))');
    expect(mentions(res.body.id)).toHaveLength(0);
  });

  it('hands the deploy to the approvers, and tells them, when a check fails', async () => {
    const { sha } = merged(['alice', 'bob']);
    const build = h.sim.world.addCheckRunFor(h.repo, sha, { name: 'build', status: 'in_progress' });
    h.sim.world.addCheckRunFor(h.repo, sha, {
      name: 'test (linux)',
      status: 'completed',
      conclusion: 'success',
    });
    const step = await h.step({ runId: ++run, sha });
    const res = await h.request(step);
    expect(res.body.decision.awaiting).toBeDefined();
    h.sim.world.completeCheckRun(build, 'failure');
    await h.hooks.checkSuiteCompleted(
      h.repo,
      { headSha: sha, appId: 15368, conclusion: 'failure' },
      h.sim.world.addUser('github-actions[bot]'),
    );
    await h.settled(res.body.id);
    const after = await h.poll(step, res.body.id);
    expect(after.body.status).toBe('pending');
    expect(after.body.decision.awaiting).toBeUndefined();
    expect(reasons(after.body)).toContain('check "build" (failure) did not pass');
    const told = mentions(res.body.id);
    expect(told).toHaveLength(1);
    expect(told[0]!.body).toContain('@sre-ann');
    // The approvers decide now, as for any request.
    const check = await checkRunOf(h, res.body.id);
    await h.click(check, 'sre-ann');
    await h.click(check, 'sre-bo');
    expect((await h.poll(step, res.body.id)).body.status).toBe('approved');
  });

  it('never counts a dismissed review or the actor’s own review', async () => {
    const w = h.sim.world;
    const pull = w.openPull(h.repo, { head: `feature-${++run}`, user: 'carol' });
    const dismissed = w.addReview(h.repo, pull, { user: 'alice', state: 'APPROVED' });
    w.addReview(h.repo, pull, { user: 'dana', state: 'APPROVED' }); // dana starts the run below
    w.addReview(h.repo, pull, { user: 'bob', state: 'APPROVED' });
    w.dismissReview(h.repo, pull, dismissed.id);
    const sha = w.mergePull(h.repo, pull);
    green(sha);
    const res = await h.request(await h.step({ runId: ++run, sha }));
    expect(res.body.status).toBe('pending');
    expect(res.body.decision.auto).toBe(false);
    expect(reasons(res.body)).toMatch(
      /PR #\d+ has 1 approving review by others than its author and the actor \(@bob\), 2 needed/,
    );
  });

  it('an unreadable signal goes to a human, never approves', async () => {
    const { sha } = merged(['alice', 'bob']);
    green(sha);
    h.sim.inject('checks/list-for-ref', 500, 100); // GitHub keeps failing, past every retry
    const res = await h.request(await h.step({ runId: ++run, sha })).finally(() => h.sim.faults.clear());
    expect(res.body.status).toBe('pending');
    expect(res.body.decision.awaiting).toBeUndefined();
    expect(reasons(res.body)).toMatch(
      /checks could not be read \(GitHub failed while listing the check runs of acme\/shop@[0-9a-f]{7} \(HTTP 500\)/,
    );
    await h.settled(res.body.id);
    expect(mentions(res.body.id)).toHaveLength(1);
  });

  it('ships a docs-only change since the last approval automatically, and asks a human for anything else', async () => {
    const w = h.sim.world;
    const first = w.commit(h.repo, 'main', { 'docs/a.md': 'one' });
    const s1 = await h.step({ runId: ++run, sha: first });
    const r1 = await h.request(s1, { action: 'publish-docs' });
    expect(r1.body.status).toBe('pending'); // nothing approved before: nothing to compare with
    expect(reasons(r1.body)).toContain('approved no earlier commit');
    await h.click(await checkRunOf(h, r1.body.id), 'sre-ann');
    expect((await h.poll(s1, r1.body.id)).body.status).toBe('approved');

    const docs = w.commit(h.repo, 'main', { 'docs/a.md': 'two', 'docs/b.md': 'new' });
    const r2 = await h.request(await h.step({ runId: ++run, sha: docs }), { action: 'publish-docs' });
    expect(r2.body.status).toBe('approved');
    expect(reasons(r2.body)).toMatch(/2 files, \d+ lines? changed since [0-9a-f]{7} under docs\/\*\*/);

    const code = w.commit(h.repo, 'main', { 'docs/a.md': 'three', 'src/app.ts': 'x' });
    const r3 = await h.request(await h.step({ runId: ++run, sha: code }), { action: 'publish-docs' });
    expect(r3.body.status).toBe('pending');
    expect(reasons(r3.body)).toContain('outside docs/**: src/app.ts');
  });

  it('decides again when a commit status finishes, and asks the approvers when checks_timeout passes first', async () => {
    const { sha } = merged(['alice', 'bob']);
    h.sim.world.addCheckRunFor(h.repo, sha, { name: 'build', conclusion: 'success' });
    h.sim.world.setStatus(h.repo, sha, { context: 'test (e2e)', state: 'pending' });
    const step = await h.step({ runId: ++run, sha });
    const res = await h.request(step);
    expect(res.body.decision.awaiting?.checks).toEqual(['test (e2e)']);
    h.sim.world.setStatus(h.repo, sha, { context: 'test (e2e)', state: 'success' });
    await h.hooks.status(
      h.repo,
      { sha, context: 'test (e2e)', state: 'success' },
      h.sim.world.addUser('ci-bot'),
    );
    expect((await h.poll(step, res.body.id)).body.status).toBe('approved');

    const slow = merged(['alice', 'bob']).sha;
    h.sim.world.addCheckRunFor(h.repo, slow, { name: 'build', status: 'in_progress' });
    h.sim.world.addCheckRunFor(h.repo, slow, { name: 'test (a)', conclusion: 'success' });
    const s2 = await h.step({ runId: ++run, sha: slow });
    const waiting = await h.request(s2);
    expect(waiting.body.decision.awaiting).toBeDefined();
    await h.runtime.service.sweep(); // not yet: nothing changes, nobody is told
    expect(mentions(waiting.body.id)).toHaveLength(0);
    h.offsetMs += 1_800_000; // checks_timeout (30m by default) passes
    try {
      await h.runtime.service.sweep();
      await h.settled(waiting.body.id);
      const after = await h.poll(s2, waiting.body.id);
      expect(after.body.status).toBe('pending');
      expect(after.body.decision.awaiting).toBeUndefined();
      expect(reasons(after.body)).toContain('check "build" still running after 30m (checks_timeout)');
      expect(mentions(waiting.body.id)).toHaveLength(1);
    } finally {
      h.offsetMs -= 1_800_000;
    }
  });

  it('auto-approves a job gate whose commit is green and reviewed', async () => {
    const { sha } = merged(['alice']);
    h.sim.world.addCheckRunFor(h.repo, sha, { name: 'build', conclusion: 'success' });
    const r = h.sim.world.addRun(h.repo, { id: ++run, actor: 'dana', headSha: sha });
    await h.hooks.deploymentProtectionRuleRequested(h.repo, r, 'production');
    await vi.waitFor(() => expect(h.repo.gateReviews.filter((g) => g.runId === r.id)).toHaveLength(1));
    const answer = h.repo.gateReviews.find((g) => g.runId === r.id)!;
    expect(answer.state).toBe('approved');
  });

  it('costs the GitHub calls the README states: 3 for checks, 2 for the pull request, none on a vote', async () => {
    const w = h.sim.world;
    const pull = w.openPull(h.repo, { head: `feature-${++run}`, user: 'carol' });
    w.addReview(h.repo, pull, { user: 'alice', state: 'APPROVED' });
    const sha = w.mergePull(h.repo, pull);
    green(sha);
    const step = await h.step({ runId: ++run, sha });
    const evidenceOps = [
      'actions/get-workflow-run',
      'checks/list-for-ref',
      'repos/get-combined-status-for-ref',
      'repos/list-pull-requests-associated-with-commit',
      'pulls/list-reviews',
      'repos/compare-commits-with-basehead',
      'repos/get-commit',
      'repos/get-collaborator-permission-level',
    ];
    const count = () => {
      const by = h.sim.callsByOperation();
      return Object.fromEntries(evidenceOps.map((op) => [op, by[op] ?? 0]));
    };
    const before = count();
    const res = await h.request(step); // one approval short: it waits for the SREs
    expect(res.body.status).toBe('pending');
    const after = count();
    const spent = Object.fromEntries(evidenceOps.map((op) => [op, after[op]! - before[op]!]));
    expect(spent).toEqual({
      'actions/get-workflow-run': 1,
      'checks/list-for-ref': 1,
      'repos/get-combined-status-for-ref': 1,
      'repos/list-pull-requests-associated-with-commit': 1,
      'pulls/list-reviews': 1,
      'repos/compare-commits-with-basehead': 0,
      'repos/get-commit': 0,
      'repos/get-collaborator-permission-level': 1, // the one approving reviewer may write
    });
    // Votes reuse the evidence kept with the request: no evidence call at all.
    const check = await checkRunOf(h, res.body.id);
    await h.click(check, 'sre-ann');
    await h.click(check, 'sre-bo');
    expect((await h.poll(step, res.body.id)).body.status).toBe('approved');
    expect(count()).toEqual(after);
  });
});
