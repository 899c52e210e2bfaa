// Escalation: after a wait, more approvers become eligible, are told, and the record says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    timeout: 2h
    escalate:
      - after: 20m
        approvers: { users: [carol], teams: [acme/oncall] }
`;

const h = new AppHarness();
h.env = { GITHUB_WRITES_PER_MINUTE: '0' };
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  h.sim.world.addTeam('acme/oncall', { active: ['omar'] });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('escalation', () => {
  it('makes the new approvers eligible only after `after`, tells them, and shows it', async () => {
    const sha = h.sim.world.commit(h.repo, 'main', { 'e.txt': 'x' });
    const step = await h.step({ runId: 1, sha });
    const { body } = await h.request(step);
    const checkRunId = await checkRunOf(h, body.id);
    expect(h.checkRun(checkRunId).output.summary).not.toContain('@carol');

    h.offsetMs = 10 * 60_000;
    await h.click(checkRunId, 'carol'); // too early: not yet eligible
    let r = (await h.runtime.store.getRequest(body.id))!;
    expect(r.status).toBe('pending');
    expect(r.ignoredVotes.at(-1)).toMatchObject({
      login: 'carol',
      reason: expect.stringContaining('not an eligible approver'),
    });

    h.offsetMs = 21 * 60_000;
    await h.runtime.service.remind();
    const told = h.repo.commitComments.filter(
      (c) => c.commitId === sha && c.body.startsWith('**Escalated**'),
    );
    expect(told).toHaveLength(1);
    expect(told[0]!.body).toContain('@carol @acme/oncall may now decide too');
    expect(h.checkRun(checkRunId).output.summary).toContain('@carol');
    // The request's own comment, edited in place, lists the new approvers too (issue 22).
    const own = h.repo.commitComments.find(
      (c) => c.commitId === sha && c.body.includes(`request ${body.id} -->`),
    )!;
    expect(own.body).toContain('@carol');
    expect(own.body).toContain('@acme/oncall');
    await h.runtime.service.remind();
    expect(
      h.repo.commitComments.filter((c) => c.commitId === sha && c.body.startsWith('**Escalated**')),
    ).toHaveLength(1);

    await h.click(checkRunId, 'omar'); // a member of the escalation's team
    r = (await h.runtime.store.getRequest(body.id))!;
    expect(r.status).toBe('approved');
    const audit = (await h.runtime.store.auditEvents())
      .filter((e) => e.requestId === body.id)
      .map((e) => e.type);
    expect(audit).toContain('escalation');
    h.offsetMs = 0;
  });
});
