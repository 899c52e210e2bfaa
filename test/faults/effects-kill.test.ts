// Issue 23: every effect on GitHub is due in the save that causes it, done once, and repaired after
// a crash. Each test lets GitHub act and then withholds its answer (or holds the next write), kills
// the app process there (SIGKILL), restarts the store and the app, and checks that what GitHub
// shows happened exactly once. On SQLite and on a PostgreSQL cluster the test stops and starts.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { AppHarness } from '../app/harness.ts';
import { crash, postgres, sqlite, type StoreUnderTest } from './stores.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read }, ttl: 15m }
  - name: gate
    match: { action: [job-gate], environment: [production] }
    approvers: { users: [alice] }
`;
const ORG = `version: 1
policies:
  - name: holiday-freeze
    match: { action: ["hotfix-*"] }
    freeze: [{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z", reason: Holiday freeze }]
    break_glass: { approvers: { users: [ivy] } }
`;
const HOTFIX = `version: 1
policies:
  - name: hotfix
    match: { action: ["hotfix-*"] }
    auto_approve: [{}]
`;

const WAIT = { timeout: 30_000, interval: 100 };
const pg = postgres();
afterAll(() => pg.destroy());

describe.each([sqlite, pg])('on $name, the app killed', (store: StoreUnderTest) => {
  let h: AppHarness;
  let run = 0;
  afterEach(async () => {
    await h?.stop();
    h?.sim.assertNoViolations();
  });

  async function start(): Promise<AppHarness> {
    h = new AppHarness();
    h.env = { GITHUB_WRITES_PER_MINUTE: '0' };
    await store.attach(h);
    await h.start({ 'p.yml': POLICY, 'hotfix.yml': HOTFIX }, { app: false });
    h.sim.world.addUser('alice');
    await h.startAppProcess();
    return h;
  }

  /** The check runs the app made for request `id` (its external_id). */
  const checkRunsOf = (id: string) => h.repo.checkRuns.filter((c) => c.external_id === id);

  it('after GitHub created the check run, before the app saved its id: one check run, and it is the one that ends', async () => {
    await start();
    h.sim.inject('checks/create', 'withhold');
    const hung = h.sim.nextHang('checks/create');
    const step = await h.step({ runId: ++run });
    // The step's request is answered once the check run shows, or 5 s on: killed before either.
    const asking = h.request(step).catch(() => undefined);
    await hung;
    const body = { id: h.repo.checkRuns.at(-1)!.external_id! };
    expect(checkRunsOf(body.id)).toHaveLength(1);
    await crash(h, store);
    await asking;
    // The restarted app finds the check run GitHub made (by external_id) instead of making another.
    await vi.waitFor(async () => {
      const id = await store.read(h, async (s) => (await s.getRequest(body.id))?.checkRunId);
      expect(id).toBe(checkRunsOf(body.id)[0]!.id);
    }, WAIT);
    await h.click(checkRunsOf(body.id)[0]!.id, 'alice');
    await vi.waitFor(() => expect(checkRunsOf(body.id)[0]!.conclusion).toBe('success'), WAIT);
    expect(checkRunsOf(body.id)).toHaveLength(1);
    expect(h.sim.calls.filter((c) => c.operation === 'checks/create' && c.status === 201)).toHaveLength(1);
  });

  it('a click on the check run GitHub made before the app saved its id counts (found by its external_id)', async () => {
    await start();
    h.sim.inject('checks/create', 'withhold');
    const hung = h.sim.nextHang('checks/create');
    const step = await h.step({ runId: ++run });
    const asking = h.request(step).catch(() => undefined);
    await hung;
    const checkRun = h.repo.checkRuns.at(-1)!;
    // The approver clicks at once: the app has not heard GitHub's answer, nor saved the id.
    expect((await h.click(checkRun.id, 'alice')).status).toBe(200);
    await crash(h, store);
    await asking;
    await vi.waitFor(() => expect(checkRunsOf(checkRun.external_id!)[0]!.conclusion).toBe('success'), WAIT);
    const done = await h.poll(step, checkRun.external_id!);
    expect(done.body.status).toBe('approved');
    expect(checkRunsOf(checkRun.external_id!)).toHaveLength(1);
  }, 60_000);

  it('in the deferral after a deciding vote: the comment, the check run and the token all follow after the restart', async () => {
    await start();
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    await vi.waitFor(() => expect(checkRunsOf(body.id)).toHaveLength(1), WAIT);
    const comment = () => h.repo.commitComments.find((c) => c.body.includes(`request ${body.id} -->`));
    await vi.waitFor(() => expect(comment()).toBeDefined(), WAIT);
    // Every write after the vote hangs: the app dies with all of them due.
    h.sim.inject('checks/update', 'hang');
    h.sim.inject('repos/update-commit-comment', 'hang');
    const hung = h.sim.nextHang('checks/update');
    // The click is answered once the check run shows it, or 5 s on: killed before either.
    const clicking = h.click(checkRunsOf(body.id)[0]!.id, 'alice').catch(() => undefined);
    await hung;
    h.sim.faults.clear(); // GitHub is well again after the crash
    await crash(h, store);
    await clicking;
    await vi.waitFor(() => {
      expect(checkRunsOf(body.id)[0]!.conclusion).toBe('success');
      expect(comment()!.body).toContain('Approved');
    }, WAIT);
    expect(h.repo.commitComments.filter((c) => c.body.includes(`request ${body.id} -->`))).toHaveLength(1);
    const done = await h.poll(step, body.id);
    expect(done.body.status).toBe('approved');
    expect(await h.decrypt(step, done.body.token!.jwe)).toMatch(/^ghs_/);
  });

  it('after GitHub edited the final comment, before the app heard: edited once more at most, never left asking', async () => {
    await start();
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const comment = () => h.repo.commitComments.find((c) => c.body.includes(`request ${body.id} -->`));
    await vi.waitFor(() => expect(comment()).toBeDefined(), WAIT);
    await vi.waitFor(() => expect(checkRunsOf(body.id)).toHaveLength(1), WAIT);
    h.sim.inject('repos/update-commit-comment', 'withhold');
    const hung = h.sim.nextHang('repos/update-commit-comment');
    // The click is answered once the check run shows it, or 5 s on: killed before either.
    const clicking = h.click(checkRunsOf(body.id)[0]!.id, 'alice').catch(() => undefined);
    await hung;
    await crash(h, store);
    await clicking;
    await vi.waitFor(async () => {
      const open = await store.read(h, (s) => s.pendingRequests());
      expect(open.map((r) => r.id)).not.toContain(body.id);
      expect(comment()!.body).toContain('Approved');
      expect(checkRunsOf(body.id)[0]!.conclusion).toBe('success');
    }, WAIT);
    expect(h.repo.commitComments.filter((c) => c.body.includes(`request ${body.id} -->`))).toHaveLength(1);
  });

  it('after GitHub posted the comment, before the app saved it, with the request decided meanwhile: the comment shows the outcome', async () => {
    await start();
    h.sim.inject('repos/create-commit-comment', 'withhold');
    const hung = h.sim.nextHang('repos/create-commit-comment');
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    await hung;
    const comments = () => h.repo.commitComments.filter((c) => c.body.includes(`request ${body.id} -->`));
    expect(comments()).toHaveLength(1);
    await vi.waitFor(() => expect(checkRunsOf(body.id)).toHaveLength(1), WAIT);
    // The deciding vote comes while the comment's post is unanswered; then the app dies.
    await h.click(checkRunsOf(body.id)[0]!.id, 'alice').catch(() => undefined);
    await crash(h, store);
    await vi.waitFor(() => {
      expect(checkRunsOf(body.id)[0]!.conclusion).toBe('success');
      expect(comments()[0]!.body).toContain('Approved');
    }, WAIT);
    expect(comments()).toHaveLength(1);
  }, 60_000);

  it('after GitHub took a job gate’s answer, before the app recorded it: the gate is answered once', async () => {
    await start();
    const gateRun = h.sim.world.addRun(h.repo, { id: 9000 + ++run, actor: 'dana' });
    h.sim.inject('actions/review-custom-gates-for-run', 'withhold');
    const hung = h.sim.nextHang('actions/review-custom-gates-for-run');
    expect((await h.hooks.deploymentProtectionRuleRequested(h.repo, gateRun, 'production')).status).toBe(200);
    await vi.waitFor(() => expect(h.repo.checkRuns.at(-1)?.name).toContain('job-gate'), WAIT);
    const clicking = h.click(h.repo.checkRuns.at(-1)!.id, 'alice').catch(() => undefined);
    await hung;
    expect(h.repo.gateReviews).toHaveLength(1);
    await crash(h, store);
    await clicking;
    await vi.waitFor(async () => {
      const events = await store.read(h, (s) => s.auditEvents());
      expect(events.filter((e) => e.type === 'gate_answered')).toHaveLength(1);
    }, WAIT);
    expect(h.repo.gateReviews).toHaveLength(1);
    expect(h.repo.gateReviews[0]).toMatchObject({ state: 'approved' });
  });

  it('after GitHub opened the break-glass review issue, before the app recorded it: one issue', async () => {
    await start();
    h.sim.world.addRepo('acme/.github', { files: { '.approvals/org.yml': ORG } });
    h.sim.world.addUser('ivy');
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step, {
      action: 'hotfix-web',
      emergency: true,
      reason: 'INC-42: checkout is down',
    });
    expect(body.status).toBe('pending');
    await vi.waitFor(() => expect(checkRunsOf(body.id)).toHaveLength(1), WAIT);
    h.sim.inject('issues/create', 'withhold');
    const hung = h.sim.nextHang('issues/create');
    // The click is answered once the check run shows it, or 5 s on: killed before either.
    const clicking = h.click(checkRunsOf(body.id)[0]!.id, 'ivy').catch(() => undefined);
    await hung;
    await crash(h, store);
    await clicking;
    const reviews = () => [...h.repo.issues.values()].filter((i) => i.labels.includes('break-glass'));
    await vi.waitFor(async () => {
      const r = await store.read(h, (s) => s.getRequest(body.id));
      expect(r!.breakGlassIssue).toBe(reviews()[0]?.number);
    }, WAIT);
    expect(reviews()).toHaveLength(1);
  });
});
