// Adversary (adv22): the approval page's session remembers the login the user had when signing in.
// A login is not a person: an account that gave up a listed login must not go on deciding by it.
import { afterEach, describe, expect, it } from 'vitest';
import type { AppHarness } from '../app/harness.ts';
import { pageHarness } from '../web/browser.ts';
import { csrfOf, decide, httpSignIn } from '../web/http-page.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: [deploy-*] }
    approvers: { users: [alice, bob] }
    token: { permissions: { contents: read }, ttl: 15m }
`;

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('a page session decides as the account, not as the login it signed in with', () => {
  it('an account that renamed itself away from a listed login no longer approves by it', async () => {
    h = await pageHarness({ 'p.yml': POLICY });
    h.repo.private = false; // anyone may read it: read access does not tell the account apart
    h.sim.world.addUser('alice');
    h.sim.world.addUser('bob');
    const created = await h.request(await h.step({ runId: 22_100 }));
    expect(created.body.status).toBe('pending');
    const { session } = await httpSignIn(h, 'alice');
    const csrf = await csrfOf(h, session);
    // The account leaves the login "alice" (GitHub frees it for anyone): it is no approver now.
    h.sim.world.renameUser('alice', 'mallory');
    const res = await decide(h, created.body.id, session, { csrf });
    await h.settled(created.body.id);
    expect((await h.runtime.store.getRequest(created.body.id))!.status).toBe('pending');
    expect(await res.text()).not.toContain('Your approval counted');
  });
});
