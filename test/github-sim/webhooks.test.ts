import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@octokit/webhooks-methods';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSimulator } from './server.ts';
import { validateWebhook, WebhookSender } from './webhooks.ts';
import type { SimRepo } from './world.ts';

const SECRET = 'webhook-secret';
let sim: GitHubSimulator;
let receiver: Server;
let received: { event: string; id: string; verified: boolean; payload: Record<string, unknown> }[];
let hooks: WebhookSender;
let repo: SimRepo;

beforeEach(async () => {
  sim = new GitHubSimulator();
  await sim.start();
  received = [];
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    const verified = await verify(SECRET, body, String(req.headers['x-hub-signature-256']));
    received.push({
      event: String(req.headers['x-github-event']),
      id: String(req.headers['x-github-delivery']),
      verified,
      payload: JSON.parse(body),
    });
    res.writeHead(verified ? 200 : 400).end(verified ? 'ok' : 'bad signature');
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/github/webhooks`;
  hooks = new WebhookSender(sim, () => ({ url, secret: SECRET }));
  repo = sim.world.addRepo('acme/shop');
  sim.world.install('acme');
});

afterEach(async () => {
  await new Promise((r) => receiver.close(r));
  await sim.stop();
  sim.assertNoViolations();
});

describe('webhooks', () => {
  it('check_run.requested_action carries the check run, the button and the sender', async () => {
    const alice = sim.world.addUser('alice');
    const run = {
      id: 77,
      repoId: repo.id,
      appId: sim.world.app.id,
      name: 'approval',
      head_sha: repo.branches.get('main')!,
      status: 'completed' as const,
      conclusion: 'action_required',
      started_at: '2026-11-23T10:00:00Z',
      completed_at: '2026-11-23T10:00:00Z',
      external_id: 'req-1',
      details_url: null,
      output: { title: null, summary: null, text: null, annotations: [] },
      actions: [],
    };
    const d = await hooks.checkRunRequestedAction(repo, run, 'approve', alice);
    expect(d.status).toBe(200);
    expect(received[0]).toMatchObject({
      event: 'check_run',
      verified: true,
      payload: {
        action: 'requested_action',
        requested_action: { identifier: 'approve' },
        check_run: { id: 77, external_id: 'req-1' },
        sender: { login: 'alice', id: alice.id },
        repository: { full_name: 'acme/shop' },
      },
    });
  });

  it('push, pull_request, workflow_job and installation payloads fit the description', async () => {
    const dana = sim.world.addUser('dana');
    const before = repo.branches.get('main')!;
    const after = sim.world.commit(repo, 'main', { '.approvals/p.yml': 'version: 1\n' });
    await hooks.push(repo, {
      ref: 'refs/heads/main',
      before,
      after,
      changed: ['.approvals/p.yml'],
      pusher: dana,
    });
    const pull = sim.world.openPull(repo, { head: 'feature', user: 'dana' });
    await hooks.pullRequest(repo, pull, 'opened');
    await hooks.pullRequest(repo, pull, 'synchronize');
    await hooks.workflowJobCompleted(
      repo,
      sim.world.addJob(repo, { runId: 9001, name: 'deploy (eu)' }),
      dana,
    );
    await hooks.installationCreated([...sim.world.installations.values()][0]!, dana);
    expect(received.map((r) => `${r.event}.${String(r.payload.action ?? '')}`)).toEqual([
      'push.',
      'pull_request.opened',
      'pull_request.synchronize',
      'workflow_job.completed',
      'installation.created',
    ]);
    expect(received[0]!.payload).toMatchObject({ after, commits: [{ modified: ['.approvals/p.yml'] }] });
    expect(received[1]!.payload).toMatchObject({ pull_request: { head: { sha: pull.headSha } } });
    expect(received[3]!.payload).toMatchObject({
      workflow_job: { run_id: 9001, name: 'deploy (eu)', conclusion: 'success' },
    });
    expect(received.every((r) => r.verified)).toBe(true);
  });

  it('deployment_protection_rule.requested fits the description and names the run in its callback', async () => {
    const run = sim.world.addRun(repo, { id: 7007, actor: 'dana' });
    await hooks.deploymentProtectionRuleRequested(repo, run, 'production');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      event: 'deployment_protection_rule',
      verified: true,
      payload: {
        action: 'requested',
        environment: 'production',
        event: 'push',
        ref: 'refs/heads/main',
        sha: run.headSha,
        deployment: { sha: run.headSha, environment: 'production' },
        installation: { id: expect.any(Number) },
        sender: { login: 'dana' },
      },
    });
    expect(String(received[0]!.payload.deployment_callback_url)).toMatch(
      /\/repos\/acme\/shop\/actions\/runs\/7007\/deployment_protection_rule$/,
    );
    const { installation, ...bare } = received[0]!.payload;
    expect(installation).toBeDefined();
    expect(validateWebhook('deployment-protection-rule-requested', bare)).toEqual([]);
    expect(validateWebhook('deployment-protection-rule-requested', { ...bare, environment: 1 })).not.toEqual(
      [],
    );
  });

  it('refuses to send a payload outside the description', async () => {
    await expect(hooks.send('push', { ref: 1 }, 'push')).rejects.toThrow(/does not fit/);
    expect(received).toEqual([]);
  });

  it('can sign with the wrong secret, and redeliver with the same delivery id', async () => {
    const dana = sim.world.addUser('dana');
    const d = await hooks.workflowJobCompleted(
      repo,
      sim.world.addJob(repo, { runId: 1, name: 'deploy' }),
      dana,
    );
    const again = await hooks.redeliver(d);
    expect(again.id).toBe(d.id);
    expect(received.map((r) => r.id)).toEqual([d.id, d.id]);
    const forged = await hooks.send('push', JSON.parse(d.body), 'workflow-job-completed', {
      secret: 'wrong',
    });
    expect(forged.status).toBe(400);
  });
});
