// An outsider's attacks on the approval page, over real HTTP (no browser unless one is needed):
// forged and cross-origin forms, sign-in state games, open redirects through `next`, reading or
// voting on what one may not, self-approval through the page, markup in request text, big forms.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKFLOW, type AppHarness } from '../app/harness.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { pageHarness } from './browser.ts';
import {
  authorizeAs,
  beginSignIn,
  callback,
  cookieOf,
  csrfOf,
  decide,
  get,
  httpSignIn,
} from './http-page.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: [deploy-*], environment: [production] }
    approvers: { users: [rhea, dana, eve] }
    timeout: 30m
    token: { permissions: { contents: read }, ttl: 15m }
`;

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
  h = undefined;
});

/** acme/shop private: rhea (approver) and mallory read it, dana (the actor) writes; eve (listed) cannot read. */
async function start(setUp: (x: AppHarness) => void = () => undefined): Promise<AppHarness> {
  h = await pageHarness({ 'p.yml': POLICY }, setUp);
  for (const login of ['rhea', 'mallory', 'eve', 'dana']) h.sim.world.addUser(login);
  h.repo.collaborators.set('rhea', 'read');
  h.repo.collaborators.set('mallory', 'read');
  h.repo.collaborators.set('dana', 'write');
  return h;
}

/** A pending request of dana's run (or as `over` says). */
async function pending(app: AppHarness, over: Parameters<AppHarness['step']>[0] = {}, body = {}) {
  const step = await app.step(over);
  const created = await app.request(step, body);
  expect(created.body.status).toBe('pending');
  return { step, id: created.body.id };
}

const auditTypes = async (app: AppHarness, id: string) =>
  (await app.runtime.store.auditOf(id)).map((e) => e.type);

describe('the approval page under attack', () => {
  it('never redirects off the app after sign-in, whatever `next` is', async () => {
    const app = await start();
    const evil = [
      '//evil.example/',
      '/\\evil.example/',
      '\\/evil.example/',
      '/%2F/evil.example/',
      '/%5Cevil.example/',
      '%2F%2Fevil.example/',
      '/\t/evil.example/',
      '/\n/evil.example/',
      ' //evil.example/',
      'https://evil.example/',
      'http:evil.example',
      'javascript:alert(1)',
      '/.//evil.example/',
      '/requests\r\nSet-Cookie: jit_session=x',
      '/ok\u0000//evil.example',
    ];
    for (const next of evil) {
      const { location } = await httpSignIn(app, 'rhea', next);
      const to = new URL(location, `${app.publicUrl}/auth/callback`);
      expect(to.origin, next).toBe(app.publicUrl);
      expect(location.startsWith('/'), next).toBe(true);
      expect(location, next).not.toMatch(/^\/[/\\]|[\s\p{Cc}]/u);
    }
  });

  it('a sign-in state is bound to its browser and used once: no login CSRF, no replay', async () => {
    const app = await start();
    // Mallory signs in as herself and keeps GitHub's callback URL instead of following it.
    const { authorize } = await beginSignIn(app);
    const trap = await authorizeAs(authorize, 'mallory');
    // Rhea's browser, with a sign-in of its own under way (or none), is sent to Mallory's callback.
    const own = await beginSignIn(app);
    for (const cookie of [own.cookie, undefined]) {
      const res = await callback(app, trap, cookie);
      expect(res.status).toBe(400);
      expect(cookieOf(res, 'jit_session')).toBeUndefined();
    }
    // Mallory's own browser then uses it once; a second time signs nobody in.
    const first = await beginSignIn(app);
    const to = await authorizeAs(first.authorize, 'mallory');
    const ok = await callback(app, to, first.cookie);
    expect(cookieOf(ok, 'jit_session')).toBeDefined();
    const again = await callback(app, to, first.cookie);
    expect(again.status).toBe(400);
    expect(cookieOf(again, 'jit_session')).toBeUndefined();
  });

  it('refuses a decide form whose Origin is not exactly PUBLIC_URL’s, and changes nothing', async () => {
    const app = await start();
    const { id } = await pending(app);
    const { session } = await httpSignIn(app, 'rhea');
    const csrf = await csrfOf(app, session);
    const url = new URL(app.publicUrl);
    const origins = [
      'null',
      `${app.publicUrl}/`,
      app.publicUrl.toUpperCase(),
      `https://${url.host}`,
      `http://${url.hostname}:${Number(url.port) + 1}`,
      `http://localhost:${url.port}`,
      `${app.publicUrl}.evil.example`,
      `http://evil.example`,
      '',
    ];
    for (const origin of origins) {
      const res = await decide(app, id, session, { csrf }, { origin });
      expect(res.status, origin).toBe(403);
    }
    // No Origin at all, and the right Origin with another session's token.
    expect((await decide(app, id, session, { csrf }, {})).status).toBe(403);
    const other = await httpSignIn(app, 'mallory');
    expect((await decide(app, id, session, { csrf: await csrfOf(app, other.session) })).status).toBe(403);
    expect(await app.runtime.store.votes(id)).toEqual([]);
    expect(await auditTypes(app, id)).toEqual(['request']);
  });

  it('an approver who cannot read the repository cannot vote on its request (404, as for none)', async () => {
    const app = await start();
    const { id } = await pending(app);
    const { session } = await httpSignIn(app, 'eve');
    const csrf = await csrfOf(app, session);
    const res = await decide(app, id, session, { csrf });
    expect(res.status).toBe(404);
    const none = await decide(app, `req_${'0'.repeat(24)}`, session, { csrf });
    expect(none.status).toBe(404);
    expect(await res.text()).toBe(await none.text());
    expect(await auditTypes(app, id)).toEqual(['request']);
  });

  it('whoever re-ran the run cannot approve it through the page, nor can the actor under another login', async () => {
    const app = await start();
    const { id } = await pending(app, { triggeringActor: 'rhea', runAttempt: 2 });
    const rhea = await httpSignIn(app, 'rhea');
    const page = await (await get(app, `/requests/${id}`, rhea.session)).text();
    expect(page).toContain('you started or re-ran the run');
    const res = await decide(app, id, rhea.session, { csrf: await csrfOf(app, rhea.session) });
    expect(await res.text()).toContain('Your vote did not count');
    // Dana (the actor) renames her account to "eve", a listed approver's login, and gets read access.
    const dana = app.sim.world.user('dana')!;
    app.sim.world.users.delete('eve');
    app.sim.world.users.delete('dana');
    dana.login = 'eve';
    app.sim.world.users.set('eve', dana);
    app.repo.collaborators.set('eve', 'read');
    const renamed = await httpSignIn(app, 'eve');
    const vote = await decide(app, id, renamed.session, { csrf: await csrfOf(app, renamed.session) });
    expect(await vote.text()).toContain('self-approval is not allowed');
    expect(await app.runtime.store.votes(id)).toEqual([]);
    expect((await app.runtime.store.getRequest(id))!.status).toBe('pending');
  });

  it('escapes markup in the reason, the comment and the ref, everywhere it shows them', async () => {
    const app = await start();
    const evil = `"'><script>alert(1)</script><img src=x onerror=alert(2)>\u202e`;
    const { id } = await pending(app, {}, { reason: evil });
    const { session } = await httpSignIn(app, 'rhea');
    const res = await decide(app, id, session, { csrf: await csrfOf(app, session), comment: evil });
    const pages = [
      await res.text(),
      await (await get(app, `/requests/${id}`, session)).text(),
      await (await get(app, `/decisions?action=${encodeURIComponent(evil)}`, session)).text(),
    ];
    for (const text of pages) {
      expect(text).not.toMatch(/<script|<img|onerror=alert\(\d\)>|\u202e/);
      expect(text).not.toContain(`"'>`);
    }
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('refuses a form too big to be one, and changes nothing', async () => {
    const app = await start();
    const { id } = await pending(app);
    const { session } = await httpSignIn(app, 'rhea');
    const res = await decide(app, id, session, {
      csrf: await csrfOf(app, session),
      comment: 'x'.repeat(20_000),
    });
    expect(res.status).toBe(413);
    expect(await auditTypes(app, id)).toEqual(['request']);
  });

  it('a session signed out of is dead, even if its cookie was copied', async () => {
    const app = await start();
    const { id } = await pending(app);
    const { session } = await httpSignIn(app, 'rhea');
    const csrf = await csrfOf(app, session);
    const out = await fetch(`${app.url}/auth/signout`, {
      method: 'POST',
      headers: {
        cookie: session,
        origin: app.publicUrl,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ csrf }),
      redirect: 'manual',
    });
    expect(out.status).toBe(303);
    expect((await get(app, `/requests/${id}`, session)).status).toBe(303);
    expect((await decide(app, id, session, { csrf })).status).toBe(401);
    expect(await auditTypes(app, id)).toEqual(['request']);
  });

  it('the decisions filter names no repository the user cannot read', async () => {
    const app = await start();
    const { id } = await pending(app);
    const rhea = await httpSignIn(app, 'rhea');
    const deny = await decide(app, id, rhea.session, {
      csrf: await csrfOf(app, rhea.session),
      decision: 'deny',
    });
    expect(await deny.text()).toContain('Your denial counted');
    const eve = await httpSignIn(app, 'eve');
    for (const q of ['', '?repository=acme/shop', '?repository=ACME/SHOP&outcome=denied']) {
      const text = await (await get(app, `/decisions${q}`, eve.session)).text();
      expect(text).not.toContain(id);
      expect(text.replace(/value="[^"]*"/g, '')).not.toMatch(/acme\/shop/i);
    }
  });

  // Finding: with PUBLIC_URL on https the session cookie is `__Host-` prefixed, but the sign-in
  // state cookie was a plain `jit_signin`, which a sibling subdomain (Domain=.example.com) or a
  // network attacker on plain http can set in a victim's browser. With her own state in it and her
  // own unused callback URL, the victim's browser is signed in as the attacker (login CSRF).
  it('on https, the sign-in state lives in a `__Host-` cookie: a planted plain one signs nobody in', async () => {
    const app = await start();
    const port = Number(new URL(app.url).port);
    await app.stopApp();
    app.publicUrl = app.publicUrl.replace(/^http:/, 'https:');
    await app.startApp(port);
    // Mallory's unused callback, and her state in a cookie anyone on a sibling host can set:
    const { authorize } = await beginSignIn(app);
    const trap = await authorizeAs(authorize, 'mallory');
    const planted = `jit_signin=${authorize.searchParams.get('state')}`;
    const res = await callback(app, trap, planted);
    expect(res.headers.getSetCookie().some((c) => /jit_session=[^;]/.test(c))).toBe(false);
    expect(res.status).toBe(400);
    const own = await beginSignIn(app);
    expect(own.set).toMatch(/^__Host-jit_signin=[^;]+; Path=\/;.*; Secure$/);
  });

  // Finding: `secure` was `publicUrl.startsWith('https:')`, and PUBLIC_URL is taken as written: an
  // https URL spelt `HTTPS://…` (valid, and accepted by the config) sent the session cookie
  // without `Secure` and without its `__Host-` prefix.
  it('an https PUBLIC_URL in capitals still gets Secure, `__Host-` cookies', async () => {
    const app = await start();
    const port = Number(new URL(app.url).port);
    await app.stopApp();
    app.publicUrl = app.publicUrl.replace(/^http:/, 'HTTPS:');
    await app.startApp(port);
    const { set } = await httpSignIn(app, 'rhea');
    expect(set.find((c) => c.includes('jit_session='))).toMatch(/^__Host-jit_session=.*; Secure$/);
  });

  // Finding: the lists ask GitHub whether the user may read each request's repository, and one
  // answer that fails made the whole page fail (503, as JSON) for every user: e.g. once any
  // account that installed the app had a request decided and then uninstalled (or suspended) the
  // app, "Recent decisions" stayed down while that request was among the last 1,000 decided.
  it('a request whose installation is gone does not take the lists down for everyone', async () => {
    const app = await start();
    const other = app.sim.world.addRepo('evil/app', {
      files: { '.approvals/p.yml': POLICY, '.github/workflows/deploy.yml': WORKFLOW },
    });
    const installation = app.sim.world.install('evil');
    const theirs = await pending(app, { runId: 7001 });
    const evilStep = await app.step({ runId: 7002 }, other);
    const evil = await app.request(evilStep);
    await app.cancel(evilStep, evil.body.id); // decided: cancelled
    await app.request(await app.step({ runId: 7003 }, other)); // and one pending
    const decided = await pending(app, { runId: 7004 });
    await app.cancel(decided.step, decided.id);
    const { session } = await httpSignIn(app, 'rhea');
    const mallory = await httpSignIn(app, 'mallory');
    expect((await get(app, '/decisions', mallory.session)).status).toBe(200); // its tokens are cached
    // evil uninstalls the app: GitHub revokes its installation's tokens.
    app.sim.world.installations.delete(installation.id);
    for (const t of app.sim.world.tokens.values()) if (t.installationId === installation.id) t.revoked = true;
    for (const path of ['/decisions', '/requests']) {
      const res = await get(app, path, session);
      expect(res.status, path).toBe(200);
      const text = await res.text();
      expect(text, path).toContain(path === '/decisions' ? decided.id : theirs.id);
      expect(text, path).not.toContain('evil/app');
    }
  });

  // Finding: the comment was cut at 1,000 UTF-16 code units after the browser's CRLF line breaks
  // (a textarea of 1,000 characters sends more), which can cut an emoji in half; a lone surrogate,
  // like a NUL, cannot be stored in PostgreSQL's JSONB: the vote failed with a 500.
  it('a comment with line breaks, a NUL or an emoji at the limit is stored, on PostgreSQL', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const app = await start((x) => (x.database = { url: TEST_DATABASE_URL, schema }));
    const { id } = await pending(app);
    const { session } = await httpSignIn(app, 'rhea');
    const tail = `${'x'.repeat(976)}\u{1F600}`;
    const comment = `a\u0000b${'\r\n'.repeat(10)}${tail}`; // the emoji's halves at 999 and 1000
    const res = await decide(app, id, session, { csrf: await csrfOf(app, session), comment });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Your approval counted');
    const [vote] = await app.runtime.store.votes(id);
    expect(vote!.comment).toBe(`ab${'\n'.repeat(10)}${tail}`);
  });
});
