// Adversary (adv22): identities compared by login. A login is not a person: it can be given up by
// a rename and taken by another account. These tests hold the app to "votes are compared by account
// id" and to "two approvals" meaning two listed logins, not one login twice.
import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf } from '../app/harness.ts';

const QUORUM = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob] }
    required: 2
    token: { permissions: { contents: read } }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
});

let run = 22_000;

describe('one listed login cannot approve twice', () => {
  it('a vote by alice, then one by another account that took the login alice, is one approval, not two', async () => {
    h = await new AppHarness().start({ 'p.yml': QUORUM });
    const alice = h.sim.world.addUser('alice');
    const sock = h.sim.world.addUser('alice-sock'); // alice's second account
    h.sim.world.addUser('bob');
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    expect(body.status).toBe('pending');
    const sha = step.job.sha;
    await h.hooks.commitComment(h.repo, sha, alice, '/approve');
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('pending');
    // alice gives her login to her second account, which approves again as "alice".
    h.sim.world.renameUser('alice', 'alice-main');
    h.sim.world.renameUser('alice-sock', 'alice');
    expect(sock.login).toBe('alice');
    await h.hooks.commitComment(h.repo, sha, sock, '/approve');
    await h.settled(body.id);
    const r = (await h.runtime.store.getRequest(body.id))!;
    // bob never voted: a quorum of two listed approvers is not met.
    expect(r.status).toBe('pending');
    expect(h.checkRun(await checkRunOf(h, body.id)).conclusion).not.toBe('success');
  });

  it('the same by clicks: two accounts that held "alice" in turn do not make two approvals', async () => {
    h = await new AppHarness().start({ 'p.yml': QUORUM });
    h.sim.world.addUser('alice');
    h.sim.world.addUser('bob');
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const cr = await checkRunOf(h, body.id);
    await h.click(cr, 'alice');
    h.sim.world.renameUser('alice', 'alice-was');
    await h.click(cr, 'alice'); // a new account named alice
    await h.settled(body.id);
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('pending');
  });
});

const TEAM = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { teams: [acme/sre] }
    token: { permissions: { contents: read } }
`;

describe('whoever re-ran the run is known by account, not by the login the token names', () => {
  it('a re-runner who hands her login to another account before the step asks still cannot approve', async () => {
    h = await new AppHarness().start({ 'p.yml': TEAM });
    h.sim.world.addTeam('acme/sre', { active: ['erin', 'sam'] });
    const erin = h.sim.world.addUser('erin');
    // erin re-runs dana's run (attempt 2): the job's token names her as triggering_actor "erin".
    const step = await h.step({ runId: ++run, runAttempt: 2, triggeringActor: 'erin' });
    // While the job builds, erin renames herself and her second account takes "erin".
    h.sim.world.renameUser('erin', 'erin-2');
    h.sim.world.renameUser(h.sim.world.addUser('erin-sock').login, 'erin');
    const { body } = await h.request(step);
    expect(body.status).toBe('pending');
    // erin, a member of acme/sre under her new login, approves the run she re-ran.
    await h.click(await checkRunOf(h, body.id), erin.login);
    await h.settled(body.id);
    expect(await h.runtime.store.votes(body.id)).toEqual([]);
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('pending');
  });
});
