import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeyRing } from '../crypto/keys.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { cookie, readCookies } from './cookies.ts';
import type { UserAuth } from './github-user.ts';
import { html } from './html.ts';
import { messagePage } from './pages/lists.ts';
import { localPath, redirect, sendPage } from './respond.ts';
import { randomToken, type Sessions } from './sessions.ts';
import { openState, sameState, sealState, SIGN_IN_MS, type TakenStates } from './sign-in-state.ts';

/** The longest `next` kept (a cookie holds about 4 KB); a longer one goes to the list instead. */
const NEXT_MAX = 1024;

/**
 * The cookie that holds a sign-in under way (sealed: state, PKCE verifier, where to go next) and
 * binds it to its browser. HttpOnly, SameSite=Lax (GitHub sends the browser back with a top-level
 * GET from another site, which Lax lets through and Strict would not), 10 minutes. On https it is
 * `__Host-` prefixed (so `Path=/`), as the session's is: a plain cookie can be set by a sibling
 * subdomain or over plain http, and one holding an attacker's state would sign the browser in as
 * the attacker.
 */
const stateCookie = (d: SignInDeps, value: string, maxAge: number): string =>
  d.sessions.secure
    ? cookie('__Host-jit_signin', value, { maxAge, secure: true, path: '/' })
    : cookie('jit_signin', value, { maxAge, secure: false, path: '/auth' });
const stateOf = (d: SignInDeps, req: IncomingMessage): string | undefined =>
  readCookies(req).get(d.sessions.secure ? '__Host-jit_signin' : 'jit_signin');

export interface SignInDeps {
  sessions: Sessions;
  /** Seal and open the state cookie (`signInKeys`). */
  keys: KeyRing;
  taken: TakenStates;
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

/**
 * Sends the browser to sign in, then back to `next`; or says that sign-in is not configured. It
 * stores nothing: the sign-in lives in the browser's sealed cookie, so a flood of these costs no row.
 */
export function startSignIn(d: SignInDeps, res: ServerResponse, next: string | null): void {
  if (!d.auth) return notConfigured(res);
  const state = randomToken();
  const verifier = randomToken();
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const back = localPath(next);
  const sealed = sealState(
    { state, verifier, next: back.length <= NEXT_MAX ? back : '/requests', expiresAt: d.now() + SIGN_IN_MS },
    d.keys,
  );
  res.writeHead(302, {
    location: d.auth.authorizeUrl(state, challenge),
    'set-cookie': stateCookie(d, sealed, SIGN_IN_MS / 1000),
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
 * GitHub sent the browser back: the `state` must be the one this browser's cookie holds, sealed by
 * this app less than 10 minutes ago; then the code (with the cookie's PKCE verifier) is exchanged
 * for the user, and a session starts. Every answer deletes the cookie.
 *
 * Used once, with no row: (1) the answer deletes the cookie, so the browser that used it has it
 * no more; (2) replaying a callback URL takes its cookie too, which is HttpOnly, never sent to
 * GitHub, and on https `__Host-` (no other host and no plain-http page can plant one), and a cookie
 * of another sign-in holds another state; (3) this instance remembers the states it has taken
 * until they expire, so a copied cookie and URL replayed here fail at once; (4) GitHub's code is
 * single-use, expires in 10 minutes and is bound to the PKCE challenge, whose verifier only the
 * sealed cookie holds: a replay at another instance fails at the exchange, and signs nobody in.
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
  const held = openState(stateOf(d, req), d.keys);
  if (!state || !code || !held || !sameState(held, state))
    return failed(d, res, 'This sign-in was not started in this browser, or it was already used.');
  if (held.expiresAt <= d.now() || !d.taken.take(held, d.now()))
    return failed(d, res, 'This sign-in expired or was already used.');
  let user;
  try {
    user = await d.auth.userFor(code, held.verifier);
  } catch (err) {
    d.log.warn({ err }, 'a sign-in failed at GitHub');
    // GitHub refusing the code (used, expired, or not this verifier's) is the browser's to fix.
    const refused = err instanceof AppError && err.code === 'unauthenticated';
    return failed(
      d,
      res,
      err instanceof AppError ? err.message : 'GitHub could not sign you in.',
      refused ? 400 : 502,
    );
  }
  d.log.info({ user: user.login, user_id: user.id }, 'signed in to the approval page');
  redirect(res, localPath(held.next), {
    'set-cookie': [await d.sessions.start(user), stateCookie(d, '', 0)],
  });
}
