import { get as httpGet } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness } from '../app/harness.ts';
import { pageHarness } from './browser.ts';
import { rowCounts } from './http-page.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: [deploy-*] }
    approvers: { users: [rhea] }
`;

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
  h = undefined;
});

const get = (url: string, cookie = '') => fetch(url, { redirect: 'manual', headers: { cookie } });
const cookieOf = (res: Response, name: string): string | undefined =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];

/** A GET on a connection of its own: after a restart, a pooled one may be the stopped app's. */
const getAfterRestart = (url: string, cookie: string) =>
  new Promise<{ status: number; text: string; cookies: string[] }>((resolve, reject) => {
    httpGet(url, { headers: { cookie }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          text: Buffer.concat(chunks).toString('utf8'),
          cookies: res.headers['set-cookie'] ?? [],
        }),
      );
    }).on('error', reject);
  });

/** Starts a sign-in and approves it at the simulated GitHub as `login`: the callback URL and the state cookie. */
async function authorize(app: AppHarness, login: string): Promise<{ callback: string; state: string }> {
  const start = await get(`${app.url}/auth/signin?next=/decisions`);
  expect(start.status).toBe(302);
  const state = cookieOf(start, 'jit_signin')!;
  expect(start.headers.getSetCookie()[0]).toMatch(
    /^jit_signin=[0-9a-f]{16}\.[\w-]+; Path=\/auth; Max-Age=600; HttpOnly; SameSite=Lax$/,
  );
  const at = new URL(start.headers.get('location')!);
  expect(at.origin + at.pathname).toBe(`${app.sim.url}/login/oauth/authorize`);
  expect(at.searchParams.get('code_challenge_method')).toBe('S256');
  expect(at.searchParams.get('redirect_uri')).toBe(`${app.publicUrl}/auth/callback`);
  const form = new URLSearchParams({ ...Object.fromEntries(at.searchParams), login });
  const back = await fetch(at.origin + at.pathname, { method: 'POST', body: form, redirect: 'manual' });
  expect(back.status).toBe(302);
  return { callback: back.headers.get('location')!, state };
}

describe('sign-in', () => {
  it('says so when it is not configured, and nothing links to the page', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const res = await get(`${h.url}/requests`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).toContain('Sign-in is not configured');
    expect(text).toContain('GITHUB_CLIENT_ID');
    const created = await h.request(await h.step());
    expect(created.body.page_url).toBeNull();
    expect(h.checkRun(h.repo.checkRuns[0]!.id).details_url).toMatch(/\/actions\/runs\/9001\/attempts\/1$/);
  });

  it('links the check run, the comment and the step to the page, which is sent with a strict policy', async () => {
    h = await pageHarness({ 'p.yml': POLICY });
    const created = await h.request(await h.step());
    const page = `${h.publicUrl}/requests/${created.body.id}`;
    expect(created.body.page_url).toBe(page);
    expect(h.checkRun(h.repo.checkRuns[0]!.id).details_url).toBe(page);
    expect(h.checkRun(h.repo.checkRuns[0]!.id).output.summary).toContain(`[the approval page](${page})`);
    expect(h.repo.commitComments[0]!.body).toContain(`[approval page](${page})`);
    const res = await get(page);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(
      `/auth/signin?next=${encodeURIComponent(`/requests/${created.body.id}`)}`,
    );
    const css = await get(`${h.url}/assets/app.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const signedOut = await get(`${h.url}/auth/signed-out`);
    expect(signedOut.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(signedOut.headers.get('x-frame-options')).toBe('DENY');
  });

  it('takes a state only from the browser that started it, once, and starts a session', async () => {
    h = await pageHarness({ 'p.yml': POLICY });
    h.sim.world.addUser('rhea');
    const { callback, state } = await authorize(h, 'rhea');
    // Another browser (no state cookie, or another one) cannot complete it: no login CSRF.
    expect((await get(callback)).status).toBe(400);
    expect((await get(callback, 'jit_signin=' + 'x'.repeat(43))).status).toBe(400);
    const done = await get(callback, state);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/decisions');
    const session = cookieOf(done, 'jit_session')!;
    expect(done.headers.getSetCookie().find((c) => c.startsWith('jit_session='))).toMatch(
      /^jit_session=[\w-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Lax$/,
    );
    const replay = await get(callback, state);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('expired or was already used');
    const page = await get(`${h.url}/decisions`, session);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Signed in as <strong>rhea</strong>');
    // The store keeps the session's hash, never the cookie.
    expect(JSON.stringify(await h.runtime.store.web.get('session', session.split('=')[1]!, Date.now()))).toBe(
      undefined,
    );
    // GitHub's token for the user was used for GET /user and revoked.
    expect([...h.sim.world.userTokens.values()]).toMatchObject([{ login: 'rhea', revoked: true }]);
  });

  it('keeps a sign-in under way sealed in its browser, not in a row; altered, or 10 minutes old, it signs nobody in', async () => {
    h = await pageHarness({ 'p.yml': POLICY });
    h.sim.world.addUser('rhea');
    const rows = rowCounts(h);
    const { callback, state } = await authorize(h, 'rhea');
    expect(rowCounts(h)).toEqual(rows);
    // Sealed: the cookie does not show the state (nor the PKCE verifier) it holds.
    expect(state).not.toContain(new URL(callback).searchParams.get('state')!);
    const at = state.indexOf('.') + 20;
    const altered = state.slice(0, at) + (state[at] === 'A' ? 'B' : 'A') + state.slice(at + 1);
    const refused = await get(callback, altered);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('not started in this browser');
    expect(refused.headers.getSetCookie()).toEqual([
      'jit_signin=; Path=/auth; Max-Age=0; HttpOnly; SameSite=Lax',
    ]);
    const late = await authorize(h, 'rhea');
    h.offsetMs = 10 * 60_000; // the app's clock, 10 minutes on
    const expired = await get(late.callback, late.state);
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('expired');
    h.offsetMs = 0;
    // The first, unaltered, still works (the altered one spent nothing), and the store holds the session only.
    expect((await get(callback, state)).status).toBe(303);
    expect(rowCounts(h)).toEqual({ ...rows, web_records: rows.web_records! + 1 });
  });

  it('a sign-in started before a restart finishes after it; replayed at an instance that did not see it, GitHub refuses its code', async () => {
    h = await pageHarness({ 'p.yml': POLICY });
    h.sim.world.addUser('rhea');
    const { callback, state } = await authorize(h, 'rhea');
    const port = Number(new URL(h.url).port);
    await h.stopApp();
    await h.startApp(port);
    expect((await getAfterRestart(callback, state)).status).toBe(303);
    // A copy of the cookie and the URL, at an instance that does not remember taking the state:
    await h.stopApp();
    await h.startApp(port);
    const replay = await getAfterRestart(callback, state);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('expired or was already used (GitHub refused its code)');
    expect(replay.cookies.filter((c) => c.startsWith('jit_session='))).toEqual([]);
    expect([...h.sim.world.userTokens.values()]).toHaveLength(1);
  });

  it('a cancelled authorization changes nothing', async () => {
    h = await pageHarness({ 'p.yml': POLICY });
    const start = await get(`${h.url}/auth/signin`);
    const state = cookieOf(start, 'jit_signin')!;
    const res = await get(`${h.url}/auth/callback?error=access_denied&state=${state.split('=')[1]}`, state);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('GitHub did not sign you in');
  });

  it('recent decisions are filtered by outcome, action and repository', async () => {
    h = await pageHarness({ 'p.yml': POLICY });
    h.sim.world.addUser('rhea');
    h.repo.collaborators.set('rhea', 'read');
    const approved = await h.request(await h.step({ runId: 1 }), { action: 'deploy-web' });
    const denied = await h.request(await h.step({ runId: 2 }), { action: 'deploy-api' });
    await h.click(h.repo.checkRuns[0]!.id, 'rhea');
    await h.click(h.repo.checkRuns[1]!.id, 'rhea', 'deny');
    const { callback, state } = await authorize(h, 'rhea');
    const session = cookieOf(await get(callback, state), 'jit_session')!;
    const ids = async (query: string) => {
      const text = await (await get(`${h!.url}/decisions${query}`, session)).text();
      return [...text.matchAll(/href="\/requests\/(req_[0-9a-f]{24})"/g)].map((m) => m[1]);
    };
    expect(await ids('')).toEqual([denied.body.id, approved.body.id]);
    expect(await ids('?outcome=denied')).toEqual([denied.body.id]);
    expect(await ids('?action=web')).toEqual([approved.body.id]);
    expect(await ids('?repository=acme/other')).toEqual([]);
  });
});
