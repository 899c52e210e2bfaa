// Adversary (adv22): where a comment command counts. The README: "on the pull request, on the commit,
// or on the app's issue"; a command counts only where its request was shown; a deleted comment never
// counts; a request named on another thread is not decided.
import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob] }
    required: 2
    notify: { github: issue }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
});

let run = 22_600;

describe("comments on the app's issue and on other threads", () => {
  it("an /approve on the app's issue counts; one naming the request on an unrelated issue does not", async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const alice = h.sim.world.addUser('alice');
    const bob = h.sim.world.addUser('bob');
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const r = (await h.runtime.store.getRequest(body.id))!;
    const issue = r.notice!.posted!;
    expect(issue).toBeGreaterThan(0);
    // An unrelated issue (anyone may open one): naming the request by id there decides nothing.
    const other = h.sim.world.openPull(h.repo, { head: `other-${run}`, user: 'mallory' });
    await h.hooks.issueComment(h.repo, other.number, bob, `/approve ${body.id}`);
    expect(await h.runtime.store.votes(body.id)).toEqual([]);
    await h.hooks.issueComment(h.repo, issue, alice, '/approve');
    expect((await h.runtime.store.votes(body.id)).map((v) => v.voterLogin)).toEqual(['alice']);
  });

  // Adversary (adv22) found "deleted comments never count" ambiguous; the README now says a counted
  // vote stands when its comment is deleted (a recorded decision), and a voter stops a request by
  // /deny. This holds the app to that: the deletion is no vote, and no retraction.
  it('a deleted /approve stands: its vote is not taken back, and the deletion is no vote', async () => {
    h = await new AppHarness().start({
      'p.yml': POLICY.replace('notify: { github: issue }', 'notify: { github: comment }'),
    });
    const alice = h.sim.world.addUser('alice');
    const bob = h.sim.world.addUser('bob');
    const pull = h.sim.world.openPull(h.repo, { head: `del-${run}`, user: 'dana' });
    const prStep = await h.step({
      runId: ++run,
      event: 'pull_request',
      ref: `refs/pull/${pull.number}/merge`,
      sha: pull.headSha,
    });
    const { body } = await h.request(prStep);
    expect(body.status).toBe('pending');
    await h.hooks.issueComment(h.repo, pull.number, alice, '/approve');
    const written = h.repo.comments.at(-1)!;
    expect((await h.runtime.store.votes(body.id)).map((v) => v.voterLogin)).toEqual(['alice']);
    await h.hooks.issueComment(h.repo, pull.number, alice, '/approve', 'deleted', written); // alice takes it back
    await h.settled(body.id);
    expect((await h.runtime.store.votes(body.id)).map((v) => v.voterLogin)).toEqual(['alice']);
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('pending');
    await h.hooks.issueComment(h.repo, pull.number, bob, '/approve');
    await h.settled(body.id);
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('approved');
  });
});

describe('comment shapes that are not commands', () => {
  it('quoted, fenced, zero-width, BOM, full-width and lookalike commands decide nothing; a huge one is read in linear time', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY.replace('required: 2', 'required: 1') });
    const alice = h.sim.world.addUser('alice');
    const sha = h.sim.world.commit(h.repo, 'main', { 'shapes.txt': 'x' });
    const { body } = await h.request(await h.step({ runId: ++run, sha }));
    for (const text of [
      '> /approve',
      '`/approve`',
      '```\n/approve\n```',
      '\u200b/approve',
      '\uFEFF/approve',
      '/approve\u200b',
      '\uFF0Fapprove',
      '/\u0430pprove', // Cyrillic a
      '/approvе', // Cyrillic e
      'please /approve',
    ])
      await h.hooks.commitComment(h.repo, sha, alice, text);
    expect(await h.runtime.store.votes(body.id)).toEqual([]);
    const started = performance.now();
    await h.hooks.commitComment(h.repo, sha, alice, `/deny deploy-web ${'a '.repeat(30_000)}`);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('denied');
  });
});
