import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppHarness } from './harness.ts';

const FREEZE = '[{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z", reason: Holiday freeze }]';
const ORG = `version: 1
policies:
  - name: holiday-freeze
    match: { environment: [production] }
    freeze: ${FREEZE}
    break_glass: { approvers: { users: [ivy, dana] } }
`;
const REPO = `version: 1
policies:
  - name: hotfix
    match: { action: ["hotfix-*"] }
    auto_approve: [{}]
    token: { permissions: { contents: read }, ttl: 15m }
  - name: docs
    match: { action: ["docs-*"] }
    auto_approve: [{}]
  - name: docs-freeze
    match: { action: ["docs-*"] }
    freeze: ${FREEZE}
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
});

async function start(): Promise<AppHarness> {
  h = new AppHarness();
  await h.start({ 'repo.yml': REPO }, { app: false });
  h.sim.world.addRepo('acme/.github', { files: { '.approvals/org.yml': ORG } });
  for (const u of ['ivy', 'dana']) h.sim.world.addUser(u);
  await h.startApp();
  return h;
}

const EMERGENCY = { action: 'hotfix-web', emergency: true, reason: 'INC-42: checkout is down' };
const plain = (s: string | null | undefined): string => (s ?? '').replaceAll('\u2060', '');

describe('break-glass', () => {
  it('an emergency in a freeze waits for the incident commander, never the actor, and is loud when granted', async () => {
    await start();
    const step = await h.step();
    const res = await h.request(step, EMERGENCY);
    expect(res.body.status).toBe('pending');
    expect(res.body.break_glass).toBe(true);
    expect(res.body.decision.break_glass).toEqual({ policies: ['org:holiday-freeze'] });
    expect(res.body.decision.requirements).toMatchObject([
      {
        policy: 'org:holiday-freeze',
        required: 1,
        approvers: { users: ['ivy', 'dana'] },
        self_approval: false,
      },
    ]);
    const check = h.repo.checkRuns[0]!.id;
    expect(plain(h.checkRun(check).output.title)).toMatch(/^BREAK-GLASS: Waiting for 1 approval/);
    await h.click(check, 'dana'); // the actor, although listed
    expect((await h.poll(step, res.body.id)).body.status).toBe('pending');
    await h.click(check, 'ivy');
    const done = await h.poll(step, res.body.id);
    expect(done.body).toMatchObject({ status: 'approved', approvers: ['ivy'], break_glass: true });
    expect(await h.decrypt(step, done.body.token!.jwe)).toMatch(/^ghs_/);

    const run = h.checkRun(check);
    expect(plain(run.output.title)).toBe('BREAK-GLASS: Approved by ivy: hotfix-web');
    expect(plain(run.output.summary)).toContain(
      'an emergency override of org:holiday-freeze (freeze or windows), granted by @ivy',
    );
    const notice = h.repo.commitComments.find((c) => c.body.includes(res.body.id))!;
    expect(notice.body).toContain('### BREAK-GLASS — Approved');
    const [issue] = [...h.repo.issues.values()].filter((i) => i.labels.includes('break-glass'));
    expect(issue).toMatchObject({ state: 'open', title: `Break-glass: hotfix-web (${res.body.id})` });
    expect(plain(issue!.body)).toContain('Reason: INC-42: checkout is down');
    expect(plain(issue!.body)).toContain('Granted by: ivy');
    const glass = (await h.runtime.store.auditOf(res.body.id)).filter((e) => e.type === 'break_glass');
    expect(glass).toMatchObject([
      {
        data: {
          policies: ['org:holiday-freeze'],
          granted_by: ['ivy'],
          actor: 'dana',
          reason: EMERGENCY.reason,
        },
      },
    ]);
    expect(await h.runtime.metrics.render()).toContain('jit_break_glass_total 1');
  });

  it('is refused when the denial is not a time rule, or the freeze allows no break-glass, or without a reason', async () => {
    await start();
    // Not asked for: the freeze denies.
    const quiet = await h.request(await h.step({ runId: 1 }), { action: 'hotfix-web', reason: 'x' });
    expect(quiet.body).toMatchObject({ status: 'denied', break_glass: false });
    // No reason: refused at the door.
    const bare = await h.request(await h.step({ runId: 2 }), {
      action: 'hotfix-web',
      emergency: true,
      reason: ' ',
    });
    expect(bare.status).toBe(400);
    expect(bare.body.error!.message).toContain('needs a reason');
    // A freeze without break_glass cannot be overridden.
    const docs = await h.request(await h.step({ runId: 3, environment: 'staging' }), {
      ...EMERGENCY,
      action: 'docs-site',
    });
    expect(docs.body.status).toBe('denied');
    expect(docs.body.decision.reasons.map((r) => r.message)).toContain(
      'break-glass cannot override "docs-freeze": no break_glass in that policy',
    );
    // No policy covers it: nothing to override.
    const none = await h.request(await h.step({ runId: 4 }), { ...EMERGENCY, action: 'rm-rf' });
    expect(none.body.status).toBe('denied');
    expect(none.body.decision.reasons.map((r) => r.rule)).toContain('no_policy');
    // Denied by a vote: stays denied, and nothing is loud about it.
    const step = await h.step({ runId: 5 });
    const voted = await h.request(step, EMERGENCY);
    await h.click(h.checkRun(h.repo.checkRuns.at(-1)!.id).id, 'ivy', 'deny');
    expect((await h.poll(step, voted.body.id)).body.status).toBe('denied');
    expect((await h.runtime.store.auditEvents()).some((e) => e.type === 'break_glass')).toBe(false);
    expect([...h.repo.issues.values()].some((i) => i.labels.includes('break-glass'))).toBe(false);
    expect(await h.runtime.metrics.render()).toContain('jit_break_glass_total 0');
  });

  it('the real action asks with `emergency`, and its outputs and job summary say BREAK-GLASS', async () => {
    await start();
    const step = await h.step();
    const job = h.actionStep(step, { action: 'hotfix-web', emergency: 'true', reason: EMERGENCY.reason });
    await job.waitForLine(/^Waiting for 1 approval/);
    await h.click(h.repo.checkRuns[0]!.id, 'ivy');
    const result = await job.result;
    expect(result.outputs).toMatchObject({ status: 'approved', 'break-glass': 'true', approvers: 'ivy' });
    expect(result.summary).toContain('BREAK-GLASS override');
    expect(result.log.join('\n')).toContain(
      '##[warning]BREAK-GLASS: hotfix-web was approved through an emergency override',
    );
  });

  it('opens the review issue from the sweep when GitHub fails it at the decision, once', async () => {
    await start();
    const step = await h.step();
    const res = await h.request(step, EMERGENCY);
    h.sim.inject('issues/create', 502);
    await h.click(h.repo.checkRuns[0]!.id, 'ivy');
    expect((await h.poll(step, res.body.id)).body.status).toBe('approved'); // the step is not held up
    const reviews = () => [...h.repo.issues.values()].filter((i) => i.labels.includes('break-glass'));
    await vi.waitFor(async () => {
      expect(reviews()).toHaveLength(1);
      expect((await h.runtime.store.getRequest(res.body.id))!.breakGlassIssue).toBe(reviews()[0]!.number);
    });
    await h.runtime.service.sweep(); // nothing is due any more
    expect(reviews()).toHaveLength(1);
    const creates = h.sim.calls.filter((c) => c.operation === 'issues/create').map((c) => c.status);
    expect(creates).toEqual([502, 201]);
    const audit = await h.runtime.store.auditOf(res.body.id);
    expect(audit.filter((e) => e.type === 'break_glass_review')).toHaveLength(1);
  });
});
