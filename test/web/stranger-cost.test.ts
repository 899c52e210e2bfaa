// What a stranger can make the app spend through the approval page, held to the bound README.md
// states ("Under hostile traffic"): GitHub calls from the installation's rate limit, rows written,
// audit events. A signed-in stranger on a public repository loads the lists and the pages and
// forges votes, many times a minute; an unauthenticated client hammers the sign-in route.
import { afterEach, describe, expect, it } from 'vitest';
import type { AppHarness } from '../app/harness.ts';
import { pageHarness } from './browser.ts';
import { counter, csrfOf, decide, get, httpSignIn, rowCounts } from './http-page.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: [deploy-*] }
    approvers: { users: [rhea], teams: [acme/sre, acme/ops] }
    timeout: 2h
    token: { permissions: { contents: read }, ttl: 15m }
`;

/** The calls a page may make for a user: read access (one or two per repository), team membership. */
const PAGE_CALLS = [
  'repos/get',
  'repos/get-collaborator-permission-level',
  'teams/get-membership-for-user-in-org',
  'users/get-by-id',
];

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
  h = undefined;
});

/** acme/shop public, its policy naming two teams; mallory is on neither, and not listed. */
async function start(): Promise<AppHarness> {
  h = await pageHarness({ 'p.yml': POLICY });
  h.repo.private = false;
  h.sim.world.addTeam('acme/sre', { active: ['sam'] });
  h.sim.world.addTeam('acme/ops', { active: ['olga'] });
  for (const login of ['rhea', 'mallory', 'dana']) h.sim.world.addUser(login);
  return h;
}

async function pendingRequest(app: AppHarness, runId: number): Promise<string> {
  const created = await app.request(await app.step({ runId }));
  expect(created.body.status).toBe('pending');
  return created.body.id;
}

const audited = async (app: AppHarness) => (await app.runtime.store.auditEvents()).length;

describe('what a stranger costs through the approval page', () => {
  it('a signed-in stranger on a public repository: per minute at most 2 calls per repository and 1 per team, no row, no audit event', async () => {
    const app = await start();
    const ids = [await pendingRequest(app, 1), await pendingRequest(app, 2), await pendingRequest(app, 3)];
    const cancelled = await app.step({ runId: 4 });
    await app.cancel(cancelled, (await app.request(cancelled)).body.id); // one in "Recent decisions"
    const { session } = await httpSignIn(app, 'mallory');
    const csrf = await csrfOf(app, session);
    // The bound README.md states: 2 per repository (R: acme/shop), 1 for the account's login now,
    // and 1 per listed team (T: 2).
    const bound = 2 * 1 + 1 + 2;
    const refusedBefore = await counter(app, 'jit_page_votes_refused_total{reason="not_eligible"}');
    const ROUNDS = 3;
    const TIMES = 10;
    for (let minute = 0; minute < ROUNDS; minute++) {
      app.offsetMs += 61_000; // a minute later by the app's clock: every cached answer is stale
      const since = app.sim.calls.length;
      const rows = rowCounts(app);
      const events = await audited(app);
      for (let i = 0; i < TIMES; i++) {
        const answers = await Promise.all([
          get(app, '/requests', session),
          get(app, '/decisions', session),
          ...ids.map((id) => get(app, `/requests/${id}`, session)),
          ...ids.map((id) => decide(app, id, session, { csrf, decision: i % 2 ? 'deny' : 'approve' })),
        ]);
        expect(answers.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
        for (const forged of answers.slice(5)) {
          expect(forged.status).toBe(403);
          expect(await forged.text()).toContain('Your vote did not count: you are not an eligible approver');
        }
      }
      const calls = app.sim.calls.slice(since);
      expect(calls.map((c) => c.operation).filter((op) => !PAGE_CALLS.includes(op))).toEqual([]);
      expect(calls.length, `minute ${minute}`).toBeLessThanOrEqual(bound);
      expect(rowCounts(app), `minute ${minute}`).toEqual(rows);
      expect(await audited(app), `minute ${minute}`).toBe(events);
    }
    await app.runtime.service.ignored.flushAll();
    for (const id of ids) {
      const r = (await app.runtime.store.getRequest(id))!;
      expect(r.status).toBe('pending');
      expect(r.ignoredVotes).toEqual([]);
    }
    expect(await counter(app, 'jit_page_votes_refused_total{reason="not_eligible"}')).toBe(
      refusedBefore + ROUNDS * TIMES * ids.length,
    );
  });

  it('an ineligible vote from the page is refused with a page saying why, before anything is written', async () => {
    const app = await start();
    const id = await pendingRequest(app, 1);
    const { session } = await httpSignIn(app, 'mallory');
    const csrf = await csrfOf(app, session);
    const rows = rowCounts(app);
    const res = await decide(app, id, session, { csrf, comment: 'let me in' });
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain(
      'Your vote did not count: you are not an eligible approver (not listed, and not an active member of a listed team)',
    );
    expect(text).toContain('Nothing was recorded');
    expect(rowCounts(app)).toEqual(rows); // no journal row, no vote, no audit event
    expect((await app.runtime.store.auditOf(id)).map((e) => e.type)).toEqual(['request']);
    await app.runtime.service.ignored.flushAll();
    expect((await app.runtime.store.getRequest(id))!.ignoredVotes).toEqual([]);
    // The actor, and a vote on a request already decided: refused alike, each counted by reason.
    const dana = await httpSignIn(app, 'dana');
    const self = await decide(app, id, dana.session, { csrf: await csrfOf(app, dana.session) });
    expect(self.status).toBe(403);
    expect(await self.text()).toContain('self-approval is not allowed');
    const rhea = await httpSignIn(app, 'rhea');
    const rheaCsrf = await csrfOf(app, rhea.session);
    expect(await (await decide(app, id, rhea.session, { csrf: rheaCsrf })).text()).toContain(
      'Your approval counted',
    );
    const late = await decide(app, id, rhea.session, { csrf: rheaCsrf, decision: 'deny' });
    expect(late.status).toBe(403);
    expect(await late.text()).toContain('the request is already approved');
    expect((await app.runtime.store.auditOf(id)).map((e) => e.type)).not.toContain('vote_ignored');
    for (const [reason, n] of [
      ['not_eligible', 1],
      ['self_approval', 1],
      ['decided', 1],
    ] as const)
      expect(await counter(app, `jit_page_votes_refused_total{reason="${reason}"}`), reason).toBe(n);
  });

  it('1,500 unauthenticated GETs of the sign-in route write no row and cost no GitHub call', async () => {
    const app = await start();
    const id = await pendingRequest(app, 1);
    const rows = rowCounts(app);
    const since = app.sim.calls.length;
    for (let batch = 0; batch < 30; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => fetch(`${app.url}/auth/signin`, { redirect: 'manual' })),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(50).fill(302));
    }
    // Nor do its pages, forms or a callback with a state of its own making.
    expect((await fetch(`${app.url}/requests/${id}`, { redirect: 'manual' })).status).toBe(303);
    const form = await fetch(`${app.url}/requests/${id}/decide`, {
      method: 'POST',
      headers: { origin: app.publicUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=approve',
    });
    expect(form.status).toBe(401);
    const forged = await fetch(`${app.url}/auth/callback?code=x&state=y`, {
      headers: { cookie: 'jit_signin=y' },
      redirect: 'manual',
    });
    expect(forged.status).toBe(400);
    expect(rowCounts(app)).toEqual(rows);
    expect(app.sim.calls.length).toBe(since);
    expect((await app.runtime.store.auditOf(id)).map((e) => e.type)).toEqual(['request']);
  });
});
