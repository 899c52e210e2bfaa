import type { SignIn } from '../config/sign-in.ts';
import { AppError } from '../errors.ts';

export interface GitHubUser {
  id: number;
  login: string;
}

export interface UserAuthOptions {
  signIn: SignIn;
  /** GitHub's web host (`https://github.com`, or the GHES server): where users authorize. */
  serverUrl: string;
  /** GitHub's REST API. */
  apiUrl: string;
  /** Where GitHub sends the browser back: `<PUBLIC_URL>/auth/callback`. */
  callbackUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * GitHub App user authorization (the web flow, with PKCE): the URL a browser is sent to, and the
 * code's exchange for the user, whose token is used for `GET /user` only and then revoked.
 */
export class UserAuth {
  readonly #o: UserAuthOptions;
  readonly #fetch: typeof fetch;

  constructor(o: UserAuthOptions) {
    this.#o = o;
    this.#fetch = o.fetch ?? fetch;
  }

  authorizeUrl(state: string, codeChallenge: string): string {
    const url = new URL(`${this.#o.serverUrl}/login/oauth/authorize`);
    url.search = new URLSearchParams({
      client_id: this.#o.signIn.clientId,
      redirect_uri: this.#o.callbackUrl,
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      allow_signup: 'false',
    }).toString();
    return url.toString();
  }

  /** Exchanges the code for a user token, reads who the user is, and revokes the token. */
  async userFor(code: string, codeVerifier: string): Promise<GitHubUser> {
    const token = await this.#exchange(code, codeVerifier);
    try {
      const res = await this.#call(`${this.#o.apiUrl}/user`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json' },
      });
      if (!res.ok) throw new AppError('unavailable', `GitHub answered ${res.status} to GET /user`);
      const user = (await res.json()) as { id?: unknown; login?: unknown };
      if (typeof user.id !== 'number' || typeof user.login !== 'string')
        throw new AppError('unavailable', 'GitHub answered GET /user without an id and login');
      return { id: user.id, login: user.login };
    } finally {
      await this.#revoke(token);
    }
  }

  async #exchange(code: string, codeVerifier: string): Promise<string> {
    const { clientId, clientSecret } = this.#o.signIn;
    const res = await this.#call(`${this.#o.serverUrl}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: clientId,
        client_secret: clientSecret,
        code,
        redirect_uri: this.#o.callbackUrl,
        code_verifier: codeVerifier,
      }),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown };
    if (typeof body.access_token === 'string') return body.access_token;
    const error = typeof body.error === 'string' ? body.error : `status ${res.status}`;
    if (error === 'incorrect_client_credentials')
      throw new AppError(
        'internal',
        'GitHub refused the client id and secret: check GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET',
      );
    throw new AppError(
      'unauthenticated',
      error === 'bad_verification_code'
        ? 'This sign-in expired or was already used (GitHub refused its code); start again'
        : `GitHub did not sign you in (${error}); start again`,
    );
  }

  /** Best effort: a token that could not be revoked expires by itself (8 hours). */
  async #revoke(token: string): Promise<void> {
    const { clientId, clientSecret } = this.#o.signIn;
    await this.#call(`${this.#o.apiUrl}/applications/${encodeURIComponent(clientId)}/token`, {
      method: 'DELETE',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        accept: 'application/vnd.github+json',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ access_token: token }),
    }).catch(() => undefined);
  }

  async #call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.#fetch(url, { ...init, signal: AbortSignal.timeout(this.#o.timeoutMs) });
    } catch (cause) {
      throw new AppError('unavailable', `GitHub could not be reached to sign you in; try again`, {
        cause,
      });
    }
  }
}
