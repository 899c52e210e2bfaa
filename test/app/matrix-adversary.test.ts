// Adversarial review of #18 (a matrix resumes at once): the tokens one lock section mints for the
// steps waiting on this instance, the answers it hands them, and the steps counted as answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf, sha256 } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read } }
`;

const h = new AppHarness();
let run = 7100;
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('tokens minted for the steps waiting here', () => {
  it("a step whose token is already stored is not failed by another waiting leg's failed mint", async () => {
    const runId = ++run;
    const eu = await h.step({ runId }, h.repo, { jobName: 'deploy (eu)' });
    const us = await h.step({ runId }, h.repo, { jobName: 'deploy (us)' });
    const { body } = await h.request(eu);
    expect((await h.request(us)).body.id).toBe(body.id);
    await h.click(await checkRunOf(h, body.id), 'alice');
    const { service, store } = h.runtime;
    // What the eu step read before its token was minted (a read shared by a notification, or an
    // answer another step's lock section handed it and a save then dropped).
    const stale = (await store.getRequest(body.id))!;
    expect(stale.status).toBe('approved');
    const staleEu = stale.legs.find((l) => l.secretHash === sha256(eu.secret))!;
    expect(staleEu.token).toBeNull();
    const first = await h.poll(eu, body.id);
    expect(first.body.token).not.toBeNull();
    // The us step waits here, and GitHub fails its mint.
    const release = service.deps.waiters.answering(body.id, sha256(us.secret));
    h.sim.inject('apps/create-installation-access-token', 500);
    try {
      const ref = await service.withToken({ request: stale, leg: staleEu });
      expect(ref.leg.token?.jwe).toBe(first.body.token!.jwe);
    } finally {
      release();
    }
    await h.settled(body.id);
  });
});

describe('steps counted as being answered', () => {
  it("a poll refused (another run's step) is not counted as a step of the request being answered", async () => {
    const victim = await h.step({ runId: ++run });
    const { body } = await h.request(victim);
    const outsider = await h.step({ runId: ++run });
    const waiters = h.runtime.service.deps.waiters;
    const answering = waiters.answering.bind(waiters);
    const counted: string[] = [];
    waiters.answering = (id, step) => (counted.push(id), answering(id, step));
    try {
      const refused = await h.poll(outsider, body.id, 10);
      expect(refused.status).toBe(403);
      const nosecret = await h.call({ ...victim, secret: '' }, 'GET', `/api/v1/requests/${body.id}?wait=10`);
      expect(nosecret.status).toBe(401);
      expect(counted).toEqual([]);
      // The step itself is counted.
      await h.poll(victim, body.id, 0);
      expect(counted).toEqual([body.id]);
    } finally {
      waiters.answering = answering;
    }
  });
});

describe('wake-ups', () => {
  it('a decision saved while the waiting step reads the request still wakes it', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const checkRunId = await checkRunOf(h, body.id);
    const steps = h.runtime.service.steps;
    const get = steps.get.bind(steps);
    // The step's read is answered (as the database read it) only after the vote has been saved
    // and its waiters told: PostgreSQL's answer to a read can arrive after a save's notification.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reading!: () => void;
    const read = new Promise<void>((r) => (reading = r));
    steps.get = async (...args: Parameters<typeof get>) => {
      steps.get = get;
      const snapshot = await get(...args);
      reading();
      await held;
      return snapshot;
    };
    const started = Date.now();
    const answer = h.poll(step, body.id, 8);
    await read;
    await h.click(checkRunId, 'alice');
    release();
    const res = await answer;
    expect(res.body.status).toBe('approved');
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});
