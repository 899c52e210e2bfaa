// A click whose processing fails part-way (GitHub 5xx, a database error, the app killed) is not
// lost: the webhook is answered non-2xx so GitHub's redelivery is processed, and the sweep
// processes a click whose handler died even when nothing is redelivered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../app/store/sqlite-store.ts';
import { AppHarness, checkRunOf } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    timeout: 30m
    token: { permissions: { contents: read }, ttl: 15m }
  - name: teams
    match: { action: ["team-*"] }
    approvers: { teams: [acme/sre] }
    timeout: 30m
`;

const h = new AppHarness();
let runId = 0;
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  h.sim.world.addTeam('acme/sre', { active: ['sam'] });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

/** A pending request and its check run. */
async function pending(action = 'deploy-web') {
  const step = await h.step({ runId: ++runId });
  const { body } = await h.request(step, { action });
  return { step, id: body.id, checkRun: await checkRunOf(h, body.id) };
}

async function audited(type: string, id: string): Promise<number> {
  return (await h.runtime.store.auditEvents()).filter((e) => e.type === type && e.requestId === id).length;
}

/** Makes the next vote written to the store fail, as a database error would. */
function failNextVote(): void {
  const store = h.runtime.store;
  const put = store.putVote.bind(store);
  store.putVote = async () => {
    store.putVote = put;
    throw new Error('injected: the database failed');
  };
}

const FAULTS: [string, string, string, () => void][] = [
  [
    'GitHub answers 502 to the policy read',
    'deploy-web',
    'alice',
    () => h.sim.inject('repos/get-content', 502),
  ],
  [
    'GitHub answers 502 to the team membership check',
    'team-deploy',
    'sam',
    () => h.sim.inject('teams/get-membership-for-user-in-org', 502),
  ],
  ['the database fails to store the vote', 'deploy-web', 'alice', failNextVote],
];

describe('a click whose processing fails', () => {
  it.each(FAULTS)(
    '%s: answered non-2xx, and the redelivery counts it once',
    async (_, action, voter, arm) => {
      const { step, id, checkRun } = await pending(action);
      arm();
      const first = await h.click(checkRun, voter);
      expect(first.status).toBeGreaterThanOrEqual(500);
      expect((await h.poll(step, id)).body.status).toBe('pending');

      const again = await h.hooks.redeliver(first);
      expect(again.status).toBe(200);
      expect((await h.poll(step, id)).body.status).toBe('approved');
      expect(h.checkRun(checkRun).conclusion).toBe('success');
      await h.hooks.redeliver(first); // once more, after it was processed: nothing changes
      expect(await audited('vote', id)).toBe(1);
      expect(await audited('decision', id)).toBe(1);
      expect(await audited('vote_ignored', id)).toBe(0);
    },
  );

  it('is processed by the sweep a few seconds later when nothing is redelivered', async () => {
    const { step, id, checkRun } = await pending();
    h.sim.inject('repos/get-content', 502);
    expect((await h.click(checkRun, 'alice')).status).toBeGreaterThanOrEqual(500);
    await h.runtime.service.sweep();
    expect((await h.poll(step, id)).body.status).toBe('pending'); // the handler may still be at work
    h.offsetMs = 10_000;
    try {
      await h.runtime.service.sweep();
    } finally {
      h.offsetMs = 0;
    }
    const view = await h.poll(step, id);
    expect(view.body.status).toBe('approved');
    expect(view.body.token).not.toBeNull();
    expect(await audited('vote', id)).toBe(1);
  });

  it('an ignored click redelivered after a failure is recorded once', async () => {
    // Screening a click on a team-approved request asks GitHub about the team: that call fails.
    const { id, checkRun } = await pending('team-deploy');
    h.sim.inject('teams/get-membership-for-user-in-org', 502);
    const first = await h.click(checkRun, 'mallory');
    expect(first.status).toBeGreaterThanOrEqual(500);
    expect((await h.hooks.redeliver(first)).status).toBe(200);
    expect((await h.hooks.redeliver(first)).status).toBe(200);
    expect(await audited('vote_ignored', id)).toBe(1);
    await h.runtime.service.ignored.flushAll(); // ignored clicks are shown together, a moment later
    expect((await h.runtime.store.getRequest(id))!.ignoredVotes).toHaveLength(1);
  });
});

describe('the app process killed while it processes a click', () => {
  const p = new AppHarness();
  p.env = { GITHUB_TIMEOUT_MS: '60000' }; // the policy read hangs until the kill
  afterAll(async () => {
    await p.stop();
  });

  /** The check run of a request, read from the app's store file (the app is another process). */
  async function checkRunId(requestId: string): Promise<number> {
    const store = new SqliteStore(p.dataDir, { readOnly: true });
    try {
      return (await store.getRequest(requestId))!.checkRunId!;
    } finally {
      await store.close();
    }
  }

  it('the restarted app counts the click without a redelivery', async () => {
    await p.start({ 'p.yml': POLICY }, { app: false });
    await p.startAppProcess();
    const step = await p.step({ runId: 1 });
    const { body } = await p.request(step);
    const port = Number(new URL(p.url).port);
    p.sim.inject('repos/get-content', 'hang');
    const reading = p.sim.nextHang('repos/get-content');
    const click = p.click(await checkRunId(body.id), 'alice').catch((err: unknown) => err);
    await reading; // the app is deciding the click: it has read the delivery, not stored the vote
    await p.killAppProcess();
    expect(await click).toBeInstanceOf(Error); // GitHub got no answer
    await p.startAppProcess(port);
    const view = await p.poll(step, body.id, 30);
    expect(view.body.status).toBe('approved');
    expect(await p.decrypt(step, view.body.token!.jwe)).toMatch(/^ghs_/);
  }, 40_000);
});
