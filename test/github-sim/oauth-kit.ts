// Drives github.com's user authorization flow against a simulator as a browser and an app would:
// the authorize request, the form, the code exchange, and the REST calls with the token.
import { createHash, randomBytes } from 'node:crypto';
import type { GitHubSimulator } from './server.ts';

export const REDIRECT = 'http://127.0.0.1:9/auth/callback?from=sim';

/** A fresh PKCE pair: a verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

type Params = Record<string, string>;

export class FlowClient {
  readonly #sim: GitHubSimulator;

  constructor(sim: GitHubSimulator) {
    this.#sim = sim;
  }

  /** The authorization request's parameters, as the app would put them in the authorize URL. */
  request(over: Params = {}): Params {
    return {
      client_id: this.#sim.world.app.clientId,
      redirect_uri: REDIRECT,
      state: 'st-1',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      ...over,
    };
  }

  authorizeUrl(params: Params): string {
    return `${this.#sim.url}/login/oauth/authorize?${new URLSearchParams(params)}`;
  }

  /** Submits the authorize form as `login`; the raw answer (redirects not followed). */
  submit(params: Params, login: string): Promise<Response> {
    return fetch(`${this.#sim.url}/login/oauth/authorize`, {
      method: 'POST',
      body: new URLSearchParams({ ...params, login }),
      redirect: 'manual',
    });
  }

  /** Authorizes as `login` with a fresh PKCE pair; the code, its verifier, and where it was sent. */
  async authorize(
    login = 'rhea',
    over: Params = {},
  ): Promise<{ code: string; verifier: string; location: URL }> {
    const { verifier, challenge } = pkce();
    const res = await this.submit(this.request({ code_challenge: challenge, ...over }), login);
    if (res.status !== 302) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
    const location = new URL(res.headers.get('location')!);
    return { code: location.searchParams.get('code')!, verifier, location };
  }

  /** Exchanges a code (JSON in, JSON out unless told); the app's credentials unless overridden. */
  async exchange(params: Params, accept = 'application/json'): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.#sim.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept, 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: this.#sim.world.app.clientId,
        client_secret: this.#sim.world.app.clientSecret,
        redirect_uri: REDIRECT,
        ...params,
      }),
    });
    // GitHub answers failed exchanges with 200 too.
    if (res.status !== 200) throw new Error(`access_token answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  }

  /** A user access token for `login`, through the whole flow. */
  async userToken(login = 'rhea'): Promise<string> {
    const { code, verifier } = await this.authorize(login);
    return (await this.exchange({ code, code_verifier: verifier })).access_token as string;
  }

  getUser(token: string): Promise<Response> {
    return fetch(`${this.#sim.url}/user`, { headers: { authorization: `Bearer ${token}` } });
  }

  deleteToken(token: string, auth?: string): Promise<Response> {
    const { clientId, clientSecret } = this.#sim.world.app;
    return fetch(`${this.#sim.url}/applications/${clientId}/token`, {
      method: 'DELETE',
      headers: { authorization: auth ?? basic(clientId, clientSecret), 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: token }),
    });
  }
}
