// Issue 13: approvers learn that a request waits: a comment that mentions them and records the
// outcome, an issue instead, and chat targets (Slack, Teams, signed JSON).
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob, dana], teams: [acme/sre] }
    required: 2
    notify: { webhooks: [sre-slack, sre-teams, audit-json, broken] }
    token: { permissions: { contents: read } }
  - name: ops
    match: { action: ["restart-*"] }
    approvers: { users: [carol] }
    notify: { github: issue }
  - name: quiet
    match: { action: ["rotate-*"] }
    approvers: { users: [carol] }
    notify: { github: none }
`;

/** A chat endpoint: records what it receives; `broken` answers 500. */
interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
const received: Received[] = [];
let chat: Server;
let chatUrl = '';
const SECRET = 'json-target-secret-0123456789';

const h = new AppHarness();
beforeAll(async () => {
  chat = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(req.url === '/broken' ? 500 : 200).end('ok');
    });
  });
  await new Promise<void>((r) => chat.listen(0, '127.0.0.1', r));
  chatUrl = `http://127.0.0.1:${(chat.address() as { port: number }).port}`;
  h.env = {
    GITHUB_WRITES_PER_MINUTE: '0', // many comments and check runs in a row: unpaced
    NOTIFY_TARGETS: JSON.stringify({
      'sre-slack': { url: `${chatUrl}/slack`, format: 'slack', owners: ['acme'] },
      'sre-teams': { url: `${chatUrl}/teams`, format: 'teams', owners: ['acme'] },
      'audit-json': { url: `${chatUrl}/json`, format: 'json', secret: SECRET, owners: ['acme'] },
      broken: { url: `${chatUrl}/broken`, format: 'json', secret: SECRET, owners: ['acme'] },
    }),
  };
  await h.start({ 'p.yml': POLICY });
  h.sim.world.addTeam('acme/sre', { active: ['sam'] });
  h.sim.world.addUser('carol');
});
afterAll(async () => {
  await h.stop();
  await new Promise((r) => chat.close(r));
  h.sim.assertNoViolations();
});

let run = 300;
/** The app's comments about request `id` on commit `sha`. */
const comments = (sha: string, id?: string) =>
  h.repo.commitComments.filter((c) => c.commitId === sha && (!id || c.body.includes(`request ${id} -->`)));
const idle = () => h.runtime.service.drain(['chat']);

describe('a comment tells the approvers', () => {
  it('a push run: a commit comment mentions who can still decide, and records each vote and the outcome', async () => {
    const step = await h.step({ runId: ++run, actor: 'dana' });
    const { body } = await h.request(step, { reason: 'release 1.2 [see](https://evil.example)' });
    const [comment] = comments(step.job.sha, body.id);
    expect(comment).toBeDefined();
    expect(comment!.user).toBe('jit-approvals[bot]');
    expect(comment!.body).toContain('@alice @bob @acme/sre');
    expect(comment!.body).not.toContain('@dana'); // the actor cannot decide
    expect(comment!.body).toContain(`/runs/${await checkRunOf(h, body.id)}`);
    expect(comment!.body).toContain('/approve deploy-web');
    expect(comment!.body).not.toMatch(/\[see\]\(https:\/\/evil/); // the reason is inert

    await h.click(await checkRunOf(h, body.id), 'alice');
    expect(comments(step.job.sha, body.id)).toHaveLength(1); // edited in place, not a second comment
    expect(comments(step.job.sha, body.id)[0]!.body).toContain('@bob @acme/sre');
    expect(comments(step.job.sha, body.id)[0]!.body).not.toContain('@alice');
    expect(comments(step.job.sha, body.id)[0]!.body).toContain('**alice**: approve');

    await h.click(await checkRunOf(h, body.id), 'bob');
    const done = comments(step.job.sha, body.id)[0]!.body;
    expect(done).toContain('### Approved');
    expect(done).toContain('Approved by **alice**, **bob**');
    expect(done).not.toMatch(/@\w/); // the final version mentions nobody
  });

  it('a pull request run: the comment is on the pull request', async () => {
    const pull = h.sim.world.openPull(h.repo, { head: `feature-${run}`, user: 'dana' });
    const step = await h.step({
      runId: ++run,
      event: 'pull_request',
      ref: `refs/pull/${pull.number}/merge`,
      sha: pull.headSha,
    });
    await h.request(step);
    const onPull = h.repo.comments.filter((c) => c.issue === pull.number);
    expect(onPull).toHaveLength(1);
    expect(onPull[0]!.body).toContain('@alice @bob @acme/sre');
  });

  it('notify.github: issue opens an issue assigned to the listed users, closed when the request ends', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step, { action: 'restart-web' });
    const issue = [...h.repo.issues.values()].at(-1)!;
    expect(issue).toMatchObject({ state: 'open', assignees: ['carol'] });
    expect(issue.title).toContain('restart-web');
    await h.click(await checkRunOf(h, body.id), 'carol', 'deny');
    expect(h.repo.issues.get(issue.number)!.state).toBe('closed');
    expect(h.repo.issues.get(issue.number)!.body).toContain('Denied by **carol**');
  });

  it('notify.github: none posts nothing on GitHub', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step, { action: 'rotate-keys' });
    expect(body.status).toBe('pending');
    expect(comments(step.job.sha, body.id)).toEqual([]);
  });
});

describe('chat targets', () => {
  it('Slack, Teams and signed JSON receive well-formed messages; a failing target does not delay the decision', async () => {
    await idle(); // what earlier tests sent is delivered or given up
    received.length = 0;
    const notificationCount = async (labels: string): Promise<number> =>
      Number(
        new RegExp(`^jit_notifications_total\\{${labels}\\} (\\d+)$`, 'm').exec(
          await h.runtime.metrics.render(),
        )?.[1] ?? 0,
      );
    const before = {
      failed: await notificationCount('target="broken",outcome="failed"'),
      slack: await notificationCount('target="sre-slack",outcome="delivered"'),
    };
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const checkRunId = await checkRunOf(h, body.id);
    await h.click(checkRunId, 'alice');
    await h.click(checkRunId, 'bob');
    const done = await h.poll(step, body.id, 5); // decided while the broken target is still retried
    expect(done.body.status).toBe('approved');
    await idle();

    const slack = received.filter((r) => r.path === '/slack').map((r) => JSON.parse(r.body));
    expect(slack).toHaveLength(2); // pending, then the outcome
    expect(slack[0].blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(slack[0].blocks[2].elements[0].url).toContain(`/runs/${checkRunId}`);
    expect(slack[1].text).toContain('approved: deploy-web');

    const teams = received.filter((r) => r.path === '/teams').map((r) => JSON.parse(r.body));
    expect(teams[0].attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: { type: 'AdaptiveCard', actions: [{ type: 'Action.OpenUrl' }] },
    });

    const json = received.filter((r) => r.path === '/json');
    for (const r of json) {
      const expected = `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`;
      expect(r.headers['x-jit-signature-256']).toBe(expected);
    }
    expect(JSON.parse(json[1]!.body)).toMatchObject({
      event: 'request.ended',
      request: { id: body.id, status: 'approved', votes: [{ login: 'alice' }, { login: 'bob' }] },
    });

    // The outcome is tried 4 times (then given up); the "pending" message is tried until the request
    // has ended (a "pending" message about an ended request is not sent).
    const broken = received.filter((r) => r.path === '/broken').map((r) => JSON.parse(r.body).event);
    expect(broken.filter((e) => e === 'request.ended')).toHaveLength(4);
    expect(broken.filter((e) => e === 'request.pending').length).toBeGreaterThanOrEqual(1);
    expect(
      (await notificationCount('target="broken",outcome="failed"')) - before.failed,
    ).toBeGreaterThanOrEqual(1);
    expect((await notificationCount('target="sre-slack",outcome="delivered"')) - before.slack).toBe(2);
  });
});

describe('deciding by comment', () => {
  const on = async (sha: string, login: string, text: string) =>
    h.hooks.commitComment(h.repo, sha, h.sim.world.addUser(login), text);
  const answers = async (sha: string) => {
    await h.runtime.service.replies.idle();
    return h.repo.commitComments.filter(
      (c) => c.commitId === sha && c.user === 'jit-approvals[bot]' && !c.body.includes('<!--'),
    );
  };

  it('/approve with a comment by an eligible approver counts, is acknowledged, and reaches the step', async () => {
    const sha = h.sim.world.commit(h.repo, 'main', { [`f-${run}`]: 'x' });
    const step = await h.step({ runId: ++run, sha });
    const { body } = await h.request(step);
    await on(sha, 'alice', '/approve deploy-web looks good to me');
    const mine = h.repo.commitComments.find((c) => c.user === 'alice' && c.commitId === sha)!;
    expect(mine.reactions).toEqual([{ content: '+1', user: 'jit-approvals[bot]' }]);
    await on(sha, 'bob', '/approve deploy-web ship it');
    const done = await h.poll(step, body.id, 5);
    expect(done.body.status).toBe('approved');
    expect(done.body.votes).toEqual([
      { login: 'alice', decision: 'approve', comment: 'looks good to me' },
      { login: 'bob', decision: 'approve', comment: 'ship it' },
    ]);
    const events = (await h.runtime.store.auditEvents()).filter(
      (e) => e.requestId === body.id && e.type === 'vote',
    );
    expect(events.map((e) => e.data.comment)).toEqual(['looks good to me', 'ship it']);
    expect(h.checkRun(await checkRunOf(h, body.id)).output.text).toContain('looks good to me');
    expect(comments(sha, body.id)[0]!.body).toContain('**alice**: approve — looks good to me');
  });

  it('the actor, a non-approver, an edited comment, and a closed request change nothing and are answered', async () => {
    const sha = h.sim.world.commit(h.repo, 'main', { [`g-${run}`]: 'x' });
    const step = await h.step({ runId: ++run, sha, actor: 'dana' });
    const { body } = await h.request(step);
    await on(sha, 'dana', '/approve deploy-web mine');
    await on(sha, 'mallory', '/approve');
    const alice = h.sim.world.addUser('alice');
    await h.hooks.commitComment(h.repo, sha, alice, 'thinking');
    // An edit of a pull request comment into a command: it does not count.
    const pull = h.sim.world.openPull(h.repo, { head: `edit-${run}`, user: 'dana' });
    await h.hooks.issueComment(h.repo, pull.number, alice, 'hmm');
    await h.hooks.issueComment(h.repo, pull.number, alice, '/approve', 'edited', h.repo.comments.at(-1)!);
    const r = (await h.runtime.store.getRequest(body.id))!;
    expect(r.status).toBe('pending');
    expect(await h.runtime.store.votes(body.id)).toEqual([]);
    const said = (await answers(sha)).map((c) => c.body);
    expect(said).toEqual([
      expect.stringContaining(
        '@dana your `/approve` of `deploy-web` did not count: started or re-ran the run',
      ),
      expect.stringContaining(
        '@mallory your `/approve` of `deploy-web` did not count: is not an eligible approver',
      ),
    ]);
    expect(h.repo.comments.filter((c) => c.issue === pull.number).at(-1)!.body).toContain(
      'an edited comment does not count',
    );
    await h.click(await checkRunOf(h, body.id), 'carol', 'approve'); // carol is no approver here
    await on(sha, 'alice', '/deny'); // ends it
    await on(sha, 'bob', '/approve');
    expect((await answers(sha)).at(-1)!.body).toContain(
      '@bob no request waits for a decision on this commit',
    );
  });

  it('several requests waiting on one commit: a command must name one', async () => {
    const sha = h.sim.world.commit(h.repo, 'main', { [`h-${run}`]: 'x' });
    const step = await h.step({ runId: ++run, sha });
    const web = (await h.request(step)).body.id;
    const api = (await h.request(step, { action: 'deploy-api' })).body.id;
    await on(sha, 'alice', '/approve');
    expect((await answers(sha)).at(-1)!.body).toMatch(/several requests wait on this commit: .*`deploy-web`/);
    await on(sha, 'alice', '/approve deploy-api fine');
    expect((await h.runtime.store.votes(api)).map((v) => v.comment)).toEqual(['fine']);
    expect(await h.runtime.store.votes(web)).toEqual([]);
  });
});

describe('the policy check', () => {
  it('reports a policy that names a notification target the app does not know', async () => {
    const pull = h.sim.world.openPull(h.repo, {
      head: `targets-${run}`,
      user: 'dana',
      changes: { '.approvals/p.yml': POLICY.replace('sre-slack, sre-teams', 'sre-slack, nobody-chat') },
    });
    await h.hooks.pullRequest(h.repo, pull, 'opened');
    const check = h.repo.checkRuns.find((c) => c.name === 'policy check' && c.head_sha === pull.headSha)!;
    expect(check.conclusion).toBe('failure');
    expect(check.output.text).toContain(
      'notify.webhooks names "nobody-chat", which this app has no target for',
    );
    expect(check.output.annotations).toMatchObject([
      { path: '.approvals/p.yml', annotation_level: 'failure' },
    ]);
  });
});

describe('comment commands cannot be misdirected or flooded', () => {
  const on = async (sha: string, login: string, text: string) =>
    h.hooks.commitComment(h.repo, sha, h.sim.world.addUser(login), text);
  const answers = async (sha: string) => {
    await h.runtime.service.replies.idle();
    return h.repo.commitComments.filter(
      (c) => c.commitId === sha && c.user === 'jit-approvals[bot]' && !c.body.includes('<!--'),
    );
  };

  it('a command naming a request that does not wait here decides nothing, even with one other waiting', async () => {
    const sha = h.sim.world.commit(h.repo, 'main', { [`n-${run}`]: 'x' });
    const step = await h.step({ runId: ++run, sha });
    const prod = (await h.request(step, { action: 'deploy-prod' })).body.id;
    await on(sha, 'alice', '/approve deploy-web looks harmless');
    await on(sha, 'alice', '/deny req_0123456789abcdef01234567');
    expect(await h.runtime.store.votes(prod)).toEqual([]);
    expect((await answers(sha)).map((c) => c.body)).toEqual([
      expect.stringContaining(
        '`deploy-web` is not a request on this commit; nothing changed. Waiting: `deploy-prod`',
      ),
      expect.stringContaining('`req_0123456789abcdef01234567` is not a request on this commit'),
    ]);
  });

  it('a flood of commands by a non-approver gets one answer, and the check run keeps its audit witness', async () => {
    const sha = h.sim.world.commit(h.repo, 'main', { [`s-${run}`]: 'x' });
    const step = await h.step({ runId: ++run, sha });
    const { body } = await h.request(step);
    for (let i = 0; i < 30; i++) await on(sha, 'mallory', '/approve');
    expect(await answers(sha)).toHaveLength(1);
    await h.runtime.service.ignored.flushAll();
    const r = (await h.runtime.store.getRequest(body.id))!;
    expect(r.ignoredVotes.length).toBeLessThanOrEqual(20);
    expect(r.ignoredTotal).toBe(30);
    await h.click(await checkRunOf(h, body.id), 'alice');
    await h.click(await checkRunOf(h, body.id), 'bob');
    expect(h.checkRun(await checkRunOf(h, body.id)).output.text).toContain('### Audit');
  });

  it('Slack gets request text verbatim: no links or mentions made of it', async () => {
    await idle();
    received.length = 0;
    const step = await h.step({ runId: ++run });
    await h.request(step, { reason: 'see https://evil.example/approve and @here' });
    await idle();
    const slack = received.filter((r) => r.path === '/slack').map((r) => JSON.parse(r.body));
    expect(slack[0].blocks[1].text).toMatchObject({ type: 'mrkdwn', verbatim: true });
  });
});
