import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors.ts';
import type { Logger } from '../service/approval-service.ts';
import type { Store } from '../store/types.ts';
import { cookie, readCookies } from './cookies.ts';
import type { UserAuth } from './github-user.ts';
import { html } from './html.ts';
import { messagePage } from './pages/lists.ts';
import { localPath, redirect, sendPage } from './respond.ts';
import { randomToken, sha256, type Sessions } from './sessions.ts';

/** How long a browser may take at GitHub between "Sign in" and coming back. */
const SIGN_IN_MS = 10 * 60_000;

/**
 * The cookie that binds a sign-in's state to its browser. On https it is `__Host-` prefixed (so
 * `Path=/`), as the session's is: a plain cookie can be set by a sibling subdomain or over plain
 * http, and one holding an attacker's state would sign the browser in as the attacker.
 */
const stateCookie = (d: SignInDeps, value: string, maxAge: number): string =>
  d.sessions.secure
    ? cookie('__Host-jit_signin', value, { maxAge, secure: true, path: '/' })
    : cookie('jit_signin', value, { maxAge, secure: false, path: '/auth' });
const stateOf = (d: SignInDeps, req: IncomingMessage): string | undefined =>
  readCookies(req).get(d.sessions.secure ? '__Host-jit_signin' : 'jit_signin');

export interface SignInDeps {
  store: Store;
  sessions: Sessions;
  /** Undefined: sign-in is not configured. */
  auth: UserAuth | undefined;
  now: () => number;
  log: Logger;
}

const notConfigured = (res: ServerResponse): void =>
  sendPage(
    res,
    503,
    messagePage(
      'Sign-in is not configured',
      undefined,
      html`This app has no GitHub client id and secret, so nobody can sign in to its approval page. Its
        operator sets <code>GITHUB_CLIENT_ID</code> and <code>GITHUB_CLIENT_SECRET</code> (see the README).
        Approvers can still decide with the check run's buttons and <code>/approve</code> comments.`,
    ),
  );

/** Sends the browser to sign in, then back to `next`; or says that sign-in is not configured. */
export async function startSignIn(d: SignInDeps, res: ServerResponse, next: string | null): Promise<void> {
  if (!d.auth) return notConfigured(res);
  const state = randomToken();
  const verifier = randomToken();
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  await d.store.web.put('login', sha256(state), { verifier, next: localPath(next) }, d.now() + SIGN_IN_MS);
  res.writeHead(302, {
    location: d.auth.authorizeUrl(state, challenge),
    'set-cookie': stateCookie(d, state, SIGN_IN_MS / 1000),
    'cache-control': 'no-store',
  });
  res.end();
}

const failed = (d: SignInDeps, res: ServerResponse, why: string, status = 400): void =>
  sendPage(
    res,
    status,
    messagePage(
      'Sign-in failed',
      undefined,
      html`${why}`,
      html`<p><a class="button" href="/auth/signin">Sign in again</a></p>`,
    ),
    { 'set-cookie': stateCookie(d, '', 0) },
  );

/**
 * GitHub sent the browser back: the `state` must be the one this browser was given (its cookie)
 * and one this app issued and has not used; then the code (with its PKCE verifier) is exchanged
 * for the user, and a session starts.
 */
export async function finishSignIn(
  d: SignInDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  if (!d.auth) return notConfigured(res);
  const state = url.searchParams.get('state') ?? '';
  const code = url.searchParams.get('code') ?? '';
  if (url.searchParams.get('error'))
    return failed(d, res, 'GitHub did not sign you in (you may have cancelled). Nothing changed.');
  if (!state || !code || stateOf(d, req) !== state)
    return failed(d, res, 'This sign-in was not started in this browser, or it was already used.');
  const login = await d.store.web.take('login', sha256(state), d.now());
  if (!login) return failed(d, res, 'This sign-in expired or was already used.');
  let user;
  try {
    user = await d.auth.userFor(code, String(login.verifier));
  } catch (err) {
    d.log.warn({ err }, 'a sign-in failed at GitHub');
    return failed(d, res, err instanceof AppError ? err.message : 'GitHub could not sign you in.', 502);
  }
  d.log.info({ user: user.login, user_id: user.id }, 'signed in to the approval page');
  redirect(res, localPath(String(login.next)), {
    'set-cookie': [await d.sessions.start(user), stateCookie(d, '', 0)],
  });
}
