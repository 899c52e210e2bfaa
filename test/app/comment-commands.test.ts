// Issue 22: comment commands are as hard to fool as the button. One strict grammar (a command names
// a request by its exact action or id, or names nothing), comments count only for requests shown
// before they were written, and what a stranger's commands cost is bounded.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: web
    match: { action: ["deploy-*", release] }
    approvers: { users: [alice, bob] }
    token: { permissions: { contents: read } }
  - name: spelled
    match: { action: ["req_*"] }
    approvers: { users: [alice, bob] }
`;

const h = new AppHarness();
h.database = { url: TEST_DATABASE_URL, schema: `t_${randomBytes(6).toString('hex')}` };
beforeAll(async () => {
  h.env = { GITHUB_WRITES_PER_MINUTE: '0' };
  await h.start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

let run = 4100;
const fresh = () => h.sim.world.commit(h.repo, 'main', { [`c-${run}`]: String(run) });
const on = (sha: string, login: string, text: string) =>
  h.hooks.commitComment(h.repo, sha, h.sim.world.addUser(login), text);
/** The app's answers on commit `sha` (not its notice comments, which carry a marker). */
const answers = async (sha: string) => {
  await h.runtime.service.replies.idle();
  return h.repo.commitComments.filter(
    (c) => c.commitId === sha && c.user === 'jit-approvals[bot]' && !c.body.includes('<!--'),
  );
};
const votes = (id: string) => h.runtime.store.votes(id);

describe('one strict grammar', () => {
  it('/approvers and /denylist are not votes, and get no answer', async () => {
    const sha = fresh();
    const step = await h.step({ runId: ++run, sha });
    const { body } = await h.request(step);
    await on(sha, 'alice', '/approvers please look');
    await on(sha, 'alice', '/denylist');
    expect(await votes(body.id)).toEqual([]);
    expect(await answers(sha)).toEqual([]);
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('pending');
  });

  it('a name that matches no waiting request decides nothing, even with exactly one other waiting', async () => {
    const sha = fresh();
    const step = await h.step({ runId: ++run, sha });
    const release = (await h.request(step, { action: 'release' })).body.id;
    await on(sha, 'alice', '/approve release');
    expect((await h.runtime.store.getRequest(release))!.status).toBe('approved');
    const web = (await h.request(step, { action: 'deploy-web' })).body.id;
    // `release` has ended: a second approval of it must not fall through to deploy-web.
    await on(sha, 'bob', '/approve release');
    expect(await votes(web)).toEqual([]);
    expect((await answers(sha)).at(-1)!.body).toContain('`release` is already approved; nothing changed');
    // A plain word names a request too: it is never the start of a comment on "the only one".
    await on(sha, 'bob', '/approve LGTM');
    expect(await votes(web)).toEqual([]);
    expect((await answers(sha)).at(-1)!.body).toContain(
      '`LGTM` is not a request on this commit; nothing changed',
    );
    await on(sha, 'bob', '/approve');
    expect((await votes(web)).map((v) => v.voterLogin)).toEqual(['bob']);
  });

  it('a request id names that request only, never one whose action spells it', async () => {
    const sha = fresh();
    const step = await h.step({ runId: ++run, sha });
    const real = (await h.request(step, { action: 'deploy-web' })).body.id;
    await on(sha, 'alice', `/deny ${real} no`);
    expect((await h.runtime.store.getRequest(real))!.status).toBe('denied');
    const spelled = (await h.request(step, { action: real })).body.id;
    await on(sha, 'bob', `/approve ${real}`);
    expect(await votes(spelled)).toEqual([]);
    expect((await answers(sha)).at(-1)!.body).toContain(`is already denied; nothing changed`);
  });

  it('counts a named command with its comment, and an unnamed one when exactly one request waits', async () => {
    const sha = fresh();
    const step = await h.step({ runId: ++run, sha });
    const web = (await h.request(step, { action: 'deploy-web' })).body.id;
    const api = (await h.request(step, { action: 'deploy-api' })).body.id;
    await on(sha, 'alice', '/approve');
    expect((await answers(sha)).at(-1)!.body).toContain('several requests wait on this commit');
    await on(sha, 'alice', `/approve deploy-api ships the fix`);
    expect((await votes(api)).map((v) => v.comment)).toEqual(['ships the fix']);
    await on(sha, 'alice', `/approve ${web}`);
    expect((await votes(web)).map((v) => v.voterLogin)).toEqual(['alice']);
  });
});

describe('a comment counts only for requests shown before it was written', () => {
  it('an unnamed /approve written before the request existed does not decide it', async () => {
    const sha = fresh();
    const step = await h.step({ runId: ++run, sha });
    // The comment is written a minute ago (GitHub's created_at); its delivery arrives only now,
    // after the request was made (a redelivery, or the app catching up).
    const { body } = await h.request(step);
    const realNow = h.sim.now;
    h.sim.now = () => new Date(Date.now() - 60_000);
    try {
      await on(sha, 'alice', '/approve');
    } finally {
      h.sim.now = realNow;
    }
    expect(await votes(body.id)).toEqual([]);
    expect((await answers(sha)).at(-1)!.body).toContain(
      'no request waited on this commit when you wrote this',
    );
  });
});

describe('what a stranger costs', () => {
  it('answers a sender at most once per thread per 10 minutes, and an edited comment once', async () => {
    const sha = fresh();
    for (let i = 0; i < 40; i++) await on(sha, 'mallory', '/approve');
    expect(await answers(sha)).toHaveLength(1);
    const pull = h.sim.world.openPull(h.repo, { head: `edit-${run}`, user: 'dana' });
    await h.hooks.issueComment(h.repo, pull.number, h.sim.world.addUser('mallory'), 'hmm');
    const comment = h.repo.comments.at(-1)!;
    for (let i = 0; i < 5; i++)
      await h.hooks.issueComment(
        h.repo,
        pull.number,
        h.sim.world.addUser('mallory'),
        '/approve',
        'edited',
        comment,
      );
    await h.runtime.service.replies.idle();
    const onPull = h.repo.comments.filter((c) => c.issue === pull.number && c.user === 'jit-approvals[bot]');
    expect(onPull).toHaveLength(1);
    expect(onPull[0]!.body).toContain('an edited comment does not count');
    const metrics = await h.runtime.metrics.render();
    expect(metrics).toMatch(/jit_command_replies_total\{outcome="suppressed"\} (4[2-9]|[5-9]\d)/);
  });

  it('a stranger answered on many threads is still bounded per sender', async () => {
    const before = h.repo.commitComments.filter((c) => c.body.includes('@eve ')).length;
    for (let i = 0; i < 30; i++) await on(fresh(), 'eve', `/deny nothing-${i}`);
    await h.runtime.service.replies.idle();
    const after = h.repo.commitComments.filter((c) => c.body.includes('@eve ')).length;
    expect(after - before).toBeLessThanOrEqual(10);
  });

  it('a redelivered /approve that was counted is not answered "no request waits"', async () => {
    const sha = fresh();
    const step = await h.step({ runId: ++run, sha });
    const { body } = await h.request(step);
    const d = await on(sha, 'alice', '/approve');
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('approved');
    await h.hooks.redeliver(d);
    expect(await answers(sha)).toEqual([]);
  });
});

describe('a comment is stored with the same cut as the page', () => {
  it('an emoji across the 1,000-character cut is stored whole on PostgreSQL, and the vote counts', async () => {
    const sha = fresh();
    const step = await h.step({ runId: ++run, sha });
    const { body } = await h.request(step);
    const words = `${'x'.repeat(999)}\u{1F525}\u{1F525}`;
    const d = await on(sha, 'alice', `/approve deploy-web ${words}`);
    expect(d.status).toBe(200);
    const [vote] = await votes(body.id);
    expect(vote!.comment).toBe(`${'x'.repeat(999)}\u{1F525}`);
    expect(h.checkRun(await checkRunOf(h, body.id)).conclusion).toBe('success');
  });
});

describe('answers never take the write pacing away from real requests', () => {
  it('a real check run goes before a stranger’s queued answers', async () => {
    const paced = new AppHarness();
    paced.env = { GITHUB_WRITES_PER_MINUTE: '60', GITHUB_WRITE_BURST: '2' };
    await paced.start({ 'p.yml': POLICY });
    try {
      const eve = paced.sim.world.addUser('eve');
      for (let i = 0; i < 10; i++) {
        const sha = paced.sim.world.commit(paced.repo, 'main', { [`e-${i}`]: 'x' });
        await paced.hooks.commitComment(paced.repo, sha, eve, '/approve');
      }
      const step = await paced.step({ runId: 4999 });
      const { status } = await paced.request(step);
      expect(status).toBe(201);
      const writes = paced.sim.calls.filter((c) => c.method === 'POST');
      const checkRun = writes.findIndex((c) => c.operation === 'checks/create');
      const answersFirst = writes
        .slice(0, checkRun)
        .filter((c) => c.operation === 'repos/create-commit-comment').length;
      // The low lane's burst of 3 at most went first; the rest wait behind the real write.
      expect(checkRun).toBeGreaterThanOrEqual(0);
      expect(answersFirst).toBeLessThanOrEqual(3);
    } finally {
      await paced.stop();
    }
  });
});
