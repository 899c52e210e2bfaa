// github.com's user authorization flow for a GitHub App (the web host, not the REST API): the
// authorize page, the redirect back with a code and the state, and the exchange of the code (with
// its PKCE verifier) for a user access token. Codes are single-use and live 10 minutes, as GitHub's.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { newRefreshToken, newUserToken, tokenHash } from './auth.ts';
import { authorizePage, errorPage } from './oauth-page.ts';
import type { GitHubSimulator } from './server.ts';
import type { SimUser } from './world.ts';

const AUTHORIZE = '/login/oauth/authorize';
const ACCESS_TOKEN = '/login/oauth/access_token';
const CODE_LIFETIME_MS = 10 * 60_000;
/** GitHub's lifetimes for expiring user access tokens (8 hours) and their refresh tokens (6 months). */
const TOKEN_LIFETIME_S = 28_800;
const REFRESH_LIFETIME_S = 15_811_200;
const NOT_ASSOCIATED = 'The redirect_uri is not associated with this application.';
const TROUBLESHOOTING = 'https://docs.github.com/apps/managing-oauth-apps';

export type ExchangeError =
  'incorrect_client_credentials' | 'bad_verification_code' | 'redirect_uri_mismatch';

/** GitHub's answers to a failed exchange (sent with status 200, as GitHub does). */
const ERRORS: Record<ExchangeError, { error_description: string; error_uri: string }> = {
  incorrect_client_credentials: {
    error_description: 'The client_id and/or client_secret passed are incorrect.',
    error_uri: `${TROUBLESHOOTING}/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials`,
  },
  bad_verification_code: {
    error_description: 'The code passed is incorrect or expired.',
    error_uri: `${TROUBLESHOOTING}/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code`,
  },
  redirect_uri_mismatch: {
    error_description: 'The redirect_uri MUST match the registered callback URL for this application.',
    error_uri: `${TROUBLESHOOTING}/troubleshooting-authorization-request-errors/#redirect-uri-mismatch2`,
  },
};

interface PendingCode {
  clientId: string;
  /** The redirect URI the user was sent back to: an exchange naming another one fails. */
  redirectUri: string;
  user: SimUser;
  /** The PKCE S256 challenge, if the authorization request carried one. */
  challenge: string | null;
  expiresAt: number;
}

/** One attempt to exchange a code for a token, successful or not. */
export interface Exchange {
  outcome: 'ok' | ExchangeError;
  clientId: string;
  /** Who the code was issued to, when the code was known. */
  login: string | null;
  /** Whether the code was bound to a PKCE challenge. */
  pkce: boolean;
  at: Date;
}

type Redeemed = { outcome: 'ok'; pending: PendingCode } | { outcome: ExchangeError; pending?: PendingCode };

type Checked =
  { ok: true; redirectUri: string } | { ok: false; status: number; title: string; message: string };

/** base64url of SHA-256, without padding: PKCE's S256 transformation of a verifier. */
export const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

async function readParams(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return new URLSearchParams(raw);
  try {
    const body = JSON.parse(raw) as unknown;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return new URLSearchParams();
    return new URLSearchParams(
      Object.entries(body).flatMap(([k, v]) =>
        typeof v === 'string' || typeof v === 'number' ? [[k, String(v)] as [string, string]] : [],
      ),
    );
  } catch {
    return new URLSearchParams();
  }
}

export class UserAuth {
  /** Every code exchange attempt, in order. */
  readonly exchanges: Exchange[] = [];
  readonly #codes = new Map<string, PendingCode>();
  readonly #sim: GitHubSimulator;

  constructor(sim: GitHubSimulator) {
    this.#sim = sim;
    sim.sideHandlers.push((req, res, url) => this.#handle(req, res, url));
  }

  /** A user access token for `login`, as the exchange issues it: for tests that skip the flow. */
  issueToken(login: string): string {
    const world = this.#sim.world;
    const user = world.user(login) ?? world.addUser(login, 'User');
    const token = newUserToken();
    world.userTokens.set(tokenHash(token), {
      hash: tokenHash(token),
      login: user.login,
      userId: user.id,
      clientId: world.app.clientId,
      expiresAt: this.#sim.now().getTime() + TOKEN_LIFETIME_S * 1000,
      revoked: false,
    });
    return token;
  }

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname === AUTHORIZE && req.method === 'GET') {
      this.#page(res, url.searchParams);
      return true;
    }
    if (url.pathname === AUTHORIZE && req.method === 'POST') {
      this.#authorize(res, await readParams(req));
      return true;
    }
    if (url.pathname === ACCESS_TOKEN && req.method === 'POST') {
      // GitHub reads the parameters from the query string too; the body wins.
      const params = new URLSearchParams(url.searchParams);
      for (const [k, v] of await readParams(req)) params.set(k, v);
      this.#exchange(req, res, params);
      return true;
    }
    if (url.pathname === '/favicon.ico' && req.method === 'GET') {
      // A browser showing the authorize page asks the web host for its icon: not a REST call.
      res.writeHead(204, { 'cache-control': 'max-age=86400' }).end();
      return true;
    }
    if (url.pathname === AUTHORIZE || url.pathname === ACCESS_TOKEN) {
      html(res, 404, errorPage('Not Found', 'Not Found'));
      return true;
    }
    return false;
  }

  /** Checks an authorization request as GitHub does before showing the page or issuing a code. */
  #check(params: URLSearchParams): Checked {
    const app = this.#sim.world.app;
    if (params.get('client_id') !== app.clientId) {
      return { ok: false, status: 404, title: 'Not Found', message: 'Not Found' };
    }
    const callbacks = app.callbackUrls ?? [];
    // Without a redirect_uri GitHub uses the first registered callback URL.
    const redirectUri = params.get('redirect_uri') || callbacks[0];
    const absolute = redirectUri !== undefined && URL.canParse(redirectUri);
    if (!absolute || (callbacks.length > 0 && !callbacks.some((c) => redirectUri.startsWith(c)))) {
      return { ok: false, status: 400, title: 'Be careful!', message: NOT_ASSOCIATED };
    }
    const challenge = params.get('code_challenge');
    if (challenge !== null) {
      // GitHub accepts only S256; `plain` (the default of RFC 7636) would defeat the point.
      if (params.get('code_challenge_method') !== 'S256') {
        return {
          ok: false,
          status: 400,
          title: 'Bad request',
          message: 'Unsupported code_challenge_method: only S256 is supported.',
        };
      }
      // An S256 challenge is the base64url of a SHA-256 digest: 43 characters, no padding.
      if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
        return { ok: false, status: 400, title: 'Bad request', message: 'Invalid code_challenge.' };
      }
    }
    return { ok: true, redirectUri };
  }

  #page(res: ServerResponse, params: URLSearchParams, error?: string): void {
    const checked = this.#check(params);
    if (!checked.ok) return html(res, checked.status, errorPage(checked.title, checked.message));
    const { world } = this.#sim;
    const users = [...world.users.values()]
      .filter((u) => u.type === 'User')
      .map((u) => u.login)
      .sort();
    html(
      res,
      200,
      authorizePage({
        appName: world.app.name,
        appOwner: world.app.owner,
        params,
        redirectUri: checked.redirectUri,
        users,
        ...(error ? { error } : {}),
      }),
    );
  }

  #authorize(res: ServerResponse, params: URLSearchParams): void {
    const checked = this.#check(params);
    if (!checked.ok) return html(res, checked.status, errorPage(checked.title, checked.message));
    const user = this.#sim.world.user(params.get('login')?.trim() ?? '');
    if (!user || user.type !== 'User') return this.#page(res, params, 'No such user');
    const code = randomBytes(10).toString('hex');
    this.#codes.set(code, {
      clientId: this.#sim.world.app.clientId,
      redirectUri: checked.redirectUri,
      user,
      challenge: params.get('code_challenge'),
      expiresAt: this.#sim.now().getTime() + CODE_LIFETIME_MS,
    });
    // The redirect URI keeps its own query; code and state are added to it.
    const target = new URL(checked.redirectUri);
    target.searchParams.append('code', code);
    const state = params.get('state');
    if (state !== null) target.searchParams.append('state', state);
    res.writeHead(302, { location: target.href, 'cache-control': 'no-store' }).end();
  }

  /** Checks an exchange and spends its code; the code's grant when everything matches. */
  #redeem(params: URLSearchParams, nowMs: number): Redeemed {
    const app = this.#sim.world.app;
    if (params.get('client_id') !== app.clientId || params.get('client_secret') !== app.clientSecret) {
      return { outcome: 'incorrect_client_credentials' };
    }
    const code = params.get('code') ?? '';
    const pending = this.#codes.get(code);
    if (!pending || pending.clientId !== app.clientId) return { outcome: 'bad_verification_code' };
    // Single use: whatever follows, this code is spent.
    this.#codes.delete(code);
    if (pending.expiresAt <= nowMs) return { outcome: 'bad_verification_code', pending };
    const redirectUri = params.get('redirect_uri');
    if (redirectUri && redirectUri !== pending.redirectUri)
      return { outcome: 'redirect_uri_mismatch', pending };
    if (pending.challenge !== null && s256(params.get('code_verifier') ?? '') !== pending.challenge) {
      return { outcome: 'bad_verification_code', pending };
    }
    return { outcome: 'ok', pending };
  }

  #exchange(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): void {
    const now = this.#sim.now();
    const redeemed = this.#redeem(params, now.getTime());
    const { outcome, pending } = redeemed;
    const clientId = params.get('client_id') ?? '';
    this.exchanges.push({
      outcome,
      clientId,
      login: pending?.user.login ?? null,
      pkce: pending ? pending.challenge !== null : false,
      at: now,
    });
    const wantsJson = /application\/json/i.test(req.headers.accept ?? '');
    if (redeemed.outcome !== 'ok') {
      return answer(res, wantsJson, { error: redeemed.outcome, ...ERRORS[redeemed.outcome] });
    }
    const token = newUserToken();
    this.#sim.world.userTokens.set(tokenHash(token), {
      hash: tokenHash(token),
      login: redeemed.pending.user.login,
      userId: redeemed.pending.user.id,
      clientId,
      expiresAt: now.getTime() + TOKEN_LIFETIME_S * 1000,
      revoked: false,
    });
    answer(res, wantsJson, {
      access_token: token,
      expires_in: TOKEN_LIFETIME_S,
      refresh_token: newRefreshToken(),
      refresh_token_expires_in: REFRESH_LIFETIME_S,
      token_type: 'bearer',
      scope: '',
    });
  }
}

function html(res: ServerResponse, status: number, body: string): void {
  res
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    .end(body);
}

/** JSON when asked for (`Accept: application/json`), otherwise form-encoded, as GitHub answers. */
function answer(res: ServerResponse, json: boolean, body: Record<string, string | number>): void {
  const text = json
    ? JSON.stringify(body)
    : new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString();
  res
    .writeHead(200, {
      'content-type': json
        ? 'application/json; charset=utf-8'
        : 'application/x-www-form-urlencoded; charset=utf-8',
      'cache-control': 'no-store',
    })
    .end(text);
}
