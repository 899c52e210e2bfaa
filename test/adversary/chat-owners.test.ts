// Adversary (adv22): a chat target belongs to its owners. The job gate builds its request from the
// deployment_protection_rule delivery rather than from an OIDC token: another organization's gate
// must not post into acme's target either.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimRepo } from '../github-sim/world.ts';
import { AppHarness } from '../app/harness.ts';

const policy = (targets: string[]) => `version: 1
policies:
  - name: prod
    match: { action: [job-gate, "deploy-*"] }
    approvers: { users: [alice] }
    notify: { webhooks: [${targets.join(', ')}] }
`;

const received: string[] = [];
let chat: Server;
const h = new AppHarness();
let evil: SimRepo;

beforeAll(async () => {
  chat = createServer((req, res) => {
    req.resume();
    req.on('end', () => (received.push(req.url ?? ''), res.writeHead(200).end('ok')));
  });
  await new Promise<void>((r) => chat.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(chat.address() as { port: number }).port}`;
  await h.start({ 'p.yml': policy(['acme-chat']) }, { app: false });
  const acmeId = h.sim.world.user('acme')!.id;
  h.env = {
    NOTIFY_TARGETS: JSON.stringify({
      'acme-chat': { url: `${url}/acme-chat`, format: 'slack', owners: ['acme'] },
      'acme-by-id': { url: `${url}/acme-by-id`, format: 'slack', owners: [acmeId] },
    }),
  };
  evil = h.sim.world.addRepo('evil/tools', {
    files: { '.approvals/p.yml': policy(['acme-chat', 'acme-by-id']) },
  });
  h.sim.world.install('evil');
  await h.startApp();
});
afterAll(async () => {
  await h.stop();
  await new Promise((r) => chat.close(r));
});

describe("another organization's job gate and acme's chat targets", () => {
  it('sends nothing to a target of acme, by login or by id', async () => {
    const r = h.sim.world.addRun(evil, { id: 22_700, actor: 'eve' });
    await h.hooks.deploymentProtectionRuleRequested(evil, r, 'production');
    await h.runtime.service.deps.chat.idle();
    const [gate] = await h.runtime.store.requestsForRun(String(evil.id), String(r.id), String(r.attempt));
    expect(gate!.status).toBe('pending');
    expect(received).toEqual([]);
  });
});
