// Issue 22: a chat target belongs to the owners the operator lists. Another account where the app
// is installed cannot post into it by naming it in a policy: the policy check reports it, and a
// request sends it nothing.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimRepo } from '../github-sim/world.ts';
import { AppHarness } from './harness.ts';

const policy = (targets: string[]) => `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    notify: { webhooks: [${targets.join(', ')}] }
`;

const received: string[] = [];
let chat: Server;
const h = new AppHarness();
let evil: SimRepo;
let run = 800;

beforeAll(async () => {
  chat = createServer((req, res) => {
    req.resume();
    req.on('end', () => (received.push(req.url ?? ''), res.writeHead(200).end('ok')));
  });
  await new Promise<void>((r) => chat.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(chat.address() as { port: number }).port}`;
  await h.start({ 'p.yml': policy(['acme-chat', 'acme-by-id']) }, { app: false });
  const acmeId = h.sim.world.user('acme')!.id;
  h.env = {
    NOTIFY_TARGETS: JSON.stringify({
      'acme-chat': { url: `${url}/acme-chat`, format: 'slack', owners: ['ACME'] },
      'acme-by-id': { url: `${url}/acme-by-id`, format: 'slack', owners: [acmeId] },
      'evil-chat': { url: `${url}/evil-chat`, format: 'slack', owners: ['evil'] },
    }),
  };
  // Another organization where the app is installed names acme's targets in its own policy.
  evil = h.sim.world.addRepo('evil/tools', {
    files: { '.approvals/p.yml': policy(['acme-chat', 'acme-by-id', 'evil-chat']) },
  });
  h.sim.world.install('evil');
  await h.startApp();
});
afterAll(async () => {
  await h.stop();
  await new Promise((r) => chat.close(r));
  h.sim.assertNoViolations();
});

const idle = () => h.runtime.service.drain(['chat']);
const notificationCount = async (target: string, outcome: string): Promise<number> =>
  Number(
    new RegExp(`^jit_notifications_total\\{target="${target}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(
      await h.runtime.metrics.render(),
    )?.[1] ?? NaN,
  );

describe('chat targets and their owners', () => {
  it('a request of another owner sends nothing to a target it does not own, by login or by id; its own target gets it', async () => {
    await idle();
    received.length = 0;
    const res = await h.request(await h.step({ runId: ++run }, evil));
    expect(res.body.status).toBe('pending');
    await idle();
    expect(received).toEqual(['/evil-chat']);
    expect(await notificationCount('acme-chat', 'refused')).toBe(1);
    expect(await notificationCount('acme-by-id', 'refused')).toBe(1);
    expect(h.logs.join('')).toContain('a policy names a notification target that its owner evil may not use');
  });

  it("the target's own owner is told there (its login in any case, or its account id)", async () => {
    await idle();
    received.length = 0;
    const res = await h.request(await h.step({ runId: ++run }));
    expect(res.body.status).toBe('pending');
    await idle();
    expect(received.sort()).toEqual(['/acme-by-id', '/acme-chat']);
  });

  it('the policy check of the other owner reports each target it may not use, at the file and line', async () => {
    const before = evil.branches.get('main')!;
    const after = h.sim.world.commit(evil, 'main', {
      '.approvals/p.yml': `version: 1
policies:
  - name: other
    match: { action: [other] }
    approvers: { users: [alice] }
${policy(['acme-chat', 'evil-chat']).split('\n').slice(2).join('\n')}`,
    });
    await h.hooks.push(evil, {
      ref: 'refs/heads/main',
      before,
      after,
      changed: ['.approvals/p.yml'],
      pusher: h.sim.world.addUser('mallory'),
    });
    const check = evil.checkRuns.find((c) => c.name === 'policy check' && c.head_sha === after)!;
    expect(check.conclusion).toBe('failure');
    expect(check.output.annotations).toEqual([
      expect.objectContaining({
        path: '.approvals/p.yml',
        start_line: 6,
        annotation_level: 'failure',
        title: 'jit-approvals: notify_target',
        message: expect.stringContaining(
          'policy "prod": notify.webhooks names "acme-chat", which evil may not use',
        ),
      }),
    ]);
    expect(check.output.text).toContain(
      '.approvals/p.yml:6:1 ` policy "prod": notify.webhooks names "acme-chat", which evil may not use',
    );
  });

  it("acme's own policy check passes", async () => {
    const before = h.repo.branches.get('main')!;
    const after = h.sim.world.commit(h.repo, 'main', { '.approvals/p.yml': policy(['acme-chat']) });
    await h.hooks.push(h.repo, {
      ref: 'refs/heads/main',
      before,
      after,
      changed: ['.approvals/p.yml'],
      pusher: h.sim.world.addUser('sam'),
    });
    const check = h.repo.checkRuns.find((c) => c.name === 'policy check' && c.head_sha === after)!;
    expect(check.conclusion).toBe('success');
  });
});
