import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../app/audit/chain.ts';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"], environment: [production] }
    approvers: { users: [alice, bob], teams: [acme/sre] }
    token: { permissions: { contents: read }, ttl: 15m }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
});

describe('a request approved by a reviewer', () => {
  it('pauses, shows a check run with buttons, resumes with a scoped token, and audits it all', async () => {
    h = await new AppHarness().start({ 'deploy.yml': POLICY });
    const step = await h.step();
    const created = await h.request(step);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending', action: 'deploy-web', token: null });
    const runId = await checkRunOf(h, created.body.id);
    const run = h.checkRun(runId);
    expect(run).toMatchObject({
      status: 'completed',
      conclusion: 'action_required',
      head_sha: h.repo.branches.get('main'),
    });
    expect(run.actions.map((a) => a.identifier)).toEqual(['approve', 'deny']);
    expect(run.output.summary).toContain('@dana');
    expect(run.output.summary).toContain('1 more from @alice, @bob, @acme/sre');

    const waiting = h.poll(step, created.body.id, 30);
    const delivery = await h.click(runId, 'alice');
    expect(delivery.status).toBe(200);
    const approved = await waiting;
    expect(approved.body).toMatchObject({
      status: 'approved',
      approvers: ['alice'],
      token: { permissions: { contents: 'read' } },
    });
    expect(h.checkRun(runId)).toMatchObject({
      conclusion: 'success',
      output: { title: 'Approved by alice: deploy-web' },
    });

    const token = await h.decrypt(step, approved.body.token!.jwe);
    expect(await h.tokenReach(token, '.approvals/deploy.yml')).toEqual({ read: 200, beyond: 403 });

    const events = await h.runtime.store.auditEvents();
    expect(events.map((e) => e.type)).toEqual(['request', 'vote', 'decision', 'token_granted']);
    expect(verifyChain(events)).toEqual({ ok: true, events: 4 });
    expect(JSON.stringify(events)).not.toContain(token);
    expect(h.logs.join('')).not.toContain(token);
    expect(h.logs.join('')).toContain(events[3]!.data.token_sha256 as string);
  });
});
