// The simulator's conversations: comments on pull requests and commits, issues, reactions, and the
// comment webhooks, all held to GitHub's descriptions.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSimulator } from './server.ts';
import { WebhookSender } from './webhooks.ts';
import type { SimRepo } from './world.ts';

let sim: GitHubSimulator;
let repo: SimRepo;
let kit: Octokit;

beforeEach(async () => {
  sim = new GitHubSimulator();
  await sim.start();
  repo = sim.world.addRepo('acme/shop');
  const installationId = sim.world.install('acme').id;
  const app = new Octokit({
    baseUrl: sim.url,
    authStrategy: createAppAuth,
    auth: { appId: sim.world.app.id, privateKey: sim.world.app.privateKey },
    request: { retries: 0 },
  });
  const { data } = await app.apps.createInstallationAccessToken({ installation_id: installationId });
  kit = new Octokit({ baseUrl: sim.url, auth: data.token, request: { retries: 0 } });
});

afterEach(async () => {
  await sim.stop();
  sim.assertNoViolations();
});

const owner = 'acme';
const name = 'shop';

describe('conversations', () => {
  it('comments on a commit, edits the comment and reacts to it', async () => {
    const sha = repo.branches.get('main')!;
    const { data } = await kit.repos.createCommitComment({
      owner,
      repo: name,
      commit_sha: sha,
      body: 'hello',
    });
    expect(data).toMatchObject({ commit_id: sha, body: 'hello', user: { login: 'jit-approvals[bot]' } });
    await kit.repos.updateCommitComment({ owner, repo: name, comment_id: data.id, body: 'edited' });
    expect(repo.commitComments[0]!.body).toBe('edited');
    const r = await kit.reactions.createForCommitComment({
      owner,
      repo: name,
      comment_id: data.id,
      content: '+1',
    });
    expect(r.status).toBe(201);
    expect(repo.commitComments[0]!.reactions).toEqual([{ content: '+1', user: 'jit-approvals[bot]' }]);
    await expect(
      kit.repos.createCommitComment({ owner, repo: name, commit_sha: 'f'.repeat(40), body: 'x' }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it('comments on a pull request, edits the comment and reacts', async () => {
    const pull = sim.world.openPull(repo, { head: 'feature', user: 'dana' });
    const { data } = await kit.issues.createComment({
      owner,
      repo: name,
      issue_number: pull.number,
      body: 'hi',
    });
    expect(data.html_url).toContain(`/pull/${pull.number}#issuecomment-`);
    await kit.issues.updateComment({ owner, repo: name, comment_id: data.id, body: 'bye' });
    await kit.reactions.createForIssueComment({ owner, repo: name, comment_id: data.id, content: 'eyes' });
    expect(repo.comments[0]).toMatchObject({ body: 'bye', reactions: [{ content: 'eyes' }] });
  });

  it('opens an issue assigned to users, and closes it', async () => {
    sim.world.addUser('alice');
    const { data } = await kit.issues.create({
      owner,
      repo: name,
      title: 'Approve deploy-web',
      body: 'please',
      assignees: ['alice'],
      labels: ['break-glass'],
    });
    expect(data).toMatchObject({ state: 'open', assignees: [{ login: 'alice' }] });
    await kit.issues.update({ owner, repo: name, issue_number: data.number, state: 'closed' });
    expect(repo.issues.get(data.number)!.state).toBe('closed');
    await expect(
      kit.issues.create({ owner, repo: name, title: 'x', assignees: ['nobody-here'] }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it('sends issue_comment and commit_comment webhooks that fit the description', async () => {
    const received: { event: string; action: string }[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        received.push({ event: String(req.headers['x-github-event']), action: JSON.parse(body).action });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const hooks = new WebhookSender(sim, () => ({ url, secret: 'test-webhook-secret-0123456789' }));
    const pull = sim.world.openPull(repo, { head: 'feature', user: 'dana' });
    const alice = sim.world.addUser('alice');
    await hooks.issueComment(repo, pull.number, alice, '/approve looks good');
    const created = repo.comments.at(-1)!;
    await hooks.issueComment(repo, pull.number, alice, '/approve edited', 'edited', created);
    await hooks.commitComment(repo, repo.branches.get('main')!, alice, '/deny not now');
    await new Promise((r) => server.close(r));
    expect(received).toEqual([
      { event: 'issue_comment', action: 'created' },
      { event: 'issue_comment', action: 'edited' },
      { event: 'commit_comment', action: 'created' },
    ]);
    expect(repo.comments.at(-1)!.body).toBe('/approve edited');
    expect(repo.commitComments.at(-1)!.user).toBe('alice');
  });
});
