import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenHash } from './auth.ts';
import { basic, FlowClient, pkce } from './oauth-kit.ts';
import { GitHubSimulator } from './server.ts';

let sim: GitHubSimulator;
let flow: FlowClient;

beforeEach(async () => {
  sim = new GitHubSimulator();
  await sim.start();
  sim.world.addUser('rhea');
  sim.world.addUser('sam');
  sim.world.addUser('acme', 'Organization');
  flow = new FlowClient(sim);
});

afterEach(async () => {
  await sim.stop();
  sim.assertNoViolations();
});

describe('the app credentials', () => {
  it("have GitHub's formats", () => {
    expect(sim.world.app.clientId).toMatch(/^Iv23li[A-Za-z0-9]{14}$/);
    expect(sim.world.app.clientSecret).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('the web flow', () => {
  it('authorizes, redirects with code and state, exchanges with the verifier, and the token reads /user until deleted', async () => {
    const { verifier, challenge } = pkce();
    const params = flow.request({ code_challenge: challenge });
    const page = await fetch(flow.authorizeUrl(params));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('<title>Authorize jit-approvals</title>');
    expect(html.match(/<form method="post" action="\/login\/oauth\/authorize"/g)).toHaveLength(2);
    expect(html).toContain('<label for="login">Sign in as</label>');
    expect(html).toMatch(/<input type="text" id="login" name="login"/);
    expect(html).toContain('<button type="submit" id="authorize">Authorize</button>');
    expect(html).toContain('<button type="submit" name="login" value="rhea">rhea</button>');
    expect(html).not.toContain('value="acme"'); // organisations cannot sign in
    expect(html).toContain(`<input type="hidden" name="code_challenge" value="${challenge}">`);
    // The browser's icon request is the web host's, not a REST call (no route violation).
    expect((await fetch(`${sim.url}/favicon.ico`)).status).toBe(204);

    const res = await flow.submit(params, 'rhea');
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:9/auth/callback');
    expect(location.searchParams.get('from')).toBe('sim');
    expect(location.searchParams.get('state')).toBe('st-1');
    const code = location.searchParams.get('code')!;
    expect(code).toMatch(/^[0-9a-f]{20}$/);

    const body = await flow.exchange({ code, code_verifier: verifier });
    expect(body).toEqual({
      access_token: expect.stringMatching(/^ghu_[A-Za-z0-9]{36}$/),
      expires_in: 28800,
      refresh_token: expect.stringMatching(/^ghr_[A-Za-z0-9]{76}$/),
      refresh_token_expires_in: 15811200,
      token_type: 'bearer',
      scope: '',
    });
    const token = body.access_token as string;
    expect([...sim.world.userTokens.keys()]).toEqual([tokenHash(token)]);
    expect(JSON.stringify([...sim.world.userTokens.values()])).not.toContain(token);
    expect(sim.userAuth.exchanges).toMatchObject([{ outcome: 'ok', login: 'rhea', pkce: true }]);

    const user = await flow.getUser(token);
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({
      login: 'rhea',
      id: sim.world.user('rhea')!.id,
      type: 'User',
      html_url: 'https://github.com/rhea',
    });

    expect((await flow.deleteToken(token)).status).toBe(204);
    const after = await flow.getUser(token);
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ message: 'Bad credentials' });
  });

  it('serves the real Octokit: GET /user and DELETE /applications/{client_id}/token', async () => {
    const { code, verifier } = await flow.authorize('sam');
    const token = (await flow.exchange({ code, code_verifier: verifier })).access_token as string;
    const { data } = await new Octokit({ auth: token, baseUrl: sim.url }).rest.users.getAuthenticated();
    expect(data).toMatchObject({ login: 'sam', type: 'User' });
    const { clientId, clientSecret } = sim.world.app;
    const { status } = await new Octokit({ baseUrl: sim.url }).rest.apps.deleteToken({
      client_id: clientId,
      access_token: token,
      headers: { authorization: basic(clientId, clientSecret) },
    });
    expect(status).toBe(204);
    expect([...sim.world.userTokens.values()][0]!.revoked).toBe(true);
  });

  it('answers form-encoded bodies form-encoded unless JSON is asked for', async () => {
    const { code, verifier } = await flow.authorize();
    const res = await fetch(`${sim.url}/login/oauth/access_token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: sim.world.app.clientId,
        client_secret: sim.world.app.clientSecret,
        code,
        code_verifier: verifier,
      }),
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    const body = new URLSearchParams(await res.text());
    expect(body.get('access_token')).toMatch(/^ghu_/);
    expect(body.get('expires_in')).toBe('28800');
    expect(body.get('token_type')).toBe('bearer');
  });

  it('escapes a hostile state in the page and hands it back unchanged', async () => {
    const state = `"><script>alert(1)</script>&'`;
    const html = await (await fetch(flow.authorizeUrl(flow.request({ state })))).text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#39;"');
    const { location } = await flow.authorize('rhea', { state });
    expect(location.searchParams.get('state')).toBe(state);
  });

  it('shows the page again for an unknown login or an organisation', async () => {
    for (const login of ['nobody', 'acme']) {
      const res = await flow.submit(flow.request(), login);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('No such user');
      expect(html).toContain(`value="${login}"`);
    }
    expect(sim.world.userTokens.size).toBe(0);
  });

  it('refuses unknown clients (404), other challenge methods (400) and unregistered redirect URIs', async () => {
    const unknown = await fetch(flow.authorizeUrl(flow.request({ client_id: 'Iv23linotthisappatall' })));
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('Not Found');
    const plain = await fetch(flow.authorizeUrl(flow.request({ code_challenge_method: 'plain' })));
    expect(plain.status).toBe(400);
    expect((await flow.submit(flow.request({ code_challenge_method: 'plain' }), 'rhea')).status).toBe(400);

    sim.world.app.callbackUrls = ['https://jit.example/auth/'];
    const other = await fetch(
      flow.authorizeUrl(flow.request({ redirect_uri: 'https://evil.example/auth/' })),
    );
    expect(await other.text()).toContain('The redirect_uri is not associated with this application.');
    expect((await flow.submit(flow.request({ redirect_uri: 'https://evil.example/' }), 'rhea')).status).toBe(
      400,
    );
    // Without redirect_uri, GitHub sends the user to the first callback URL.
    const withoutRedirect = flow.request();
    delete withoutRedirect.redirect_uri;
    const res = await flow.submit(withoutRedirect, 'rhea');
    expect(res.headers.get('location')).toMatch(
      /^https:\/\/jit\.example\/auth\/\?code=[0-9a-f]{20}&state=st-1$/,
    );
  });
});

describe('the code exchange', () => {
  it('refuses a wrong secret without spending the code', async () => {
    const { code, verifier } = await flow.authorize();
    expect(await flow.exchange({ code, code_verifier: verifier, client_secret: '0'.repeat(40) })).toEqual({
      error: 'incorrect_client_credentials',
      error_description: 'The client_id and/or client_secret passed are incorrect.',
      error_uri:
        'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials',
    });
    expect(await flow.exchange({ code, code_verifier: verifier })).toHaveProperty('access_token');
  });

  it('refuses a wrong or missing verifier, and the code is spent by the attempt', async () => {
    const first = await flow.authorize();
    expect(await flow.exchange({ code: first.code, code_verifier: pkce().verifier })).toMatchObject({
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
    });
    expect(await flow.exchange({ code: first.code, code_verifier: first.verifier })).toMatchObject({
      error: 'bad_verification_code',
    });
    const second = await flow.authorize();
    expect(await flow.exchange({ code: second.code })).toMatchObject({ error: 'bad_verification_code' });
    expect(sim.userAuth.exchanges.map((e) => e.outcome)).toEqual([
      'bad_verification_code',
      'bad_verification_code',
      'bad_verification_code',
    ]);
  });

  it('refuses a code used twice', async () => {
    const { code, verifier } = await flow.authorize();
    expect(await flow.exchange({ code, code_verifier: verifier })).toHaveProperty('access_token');
    expect(await flow.exchange({ code, code_verifier: verifier })).toMatchObject({
      error: 'bad_verification_code',
    });
    expect(sim.userAuth.exchanges).toHaveLength(2);
  });

  it('refuses a code older than 10 minutes', async () => {
    const { code, verifier } = await flow.authorize();
    const later = Date.now() + 10 * 60_000 + 1000;
    sim.now = () => new Date(later);
    expect(await flow.exchange({ code, code_verifier: verifier })).toMatchObject({
      error: 'bad_verification_code',
    });
  });

  it('refuses another redirect_uri than the one authorized', async () => {
    const { code, verifier } = await flow.authorize();
    expect(
      await flow.exchange({ code, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:9/elsewhere' }),
    ).toMatchObject({ error: 'redirect_uri_mismatch' });
  });
});
