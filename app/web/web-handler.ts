import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeyRing } from '../crypto/keys.ts';
import type { ApprovalService } from '../service/approval-service.ts';
import type { GitHubPort } from '../github/port.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/types.ts';
import { CurrentUsers } from './current-user.ts';
import type { UserAuth } from './github-user.ts';
import { html } from './html.ts';
import { PageReads } from './page-reads.ts';
import { decisionsPage, messagePage, waitingPage } from './pages/lists.ts';
import { requestPage } from './pages/request-page.ts';
import { STYLESHEET } from './pages/style.ts';
import { ReadAccess } from './read-access.ts';
import { countRefused } from './refusals.ts';
import { redirect, sendPage } from './respond.ts';
import { Sessions, type Session } from './sessions.ts';
import { finishSignIn, startSignIn, type SignInDeps } from './sign-in-routes.ts';
import { TakenStates } from './sign-in-state.ts';
import { formOf, notFound, voteFromPage, type VoteFormDeps } from './vote-form.ts';

export interface WebDeps {
  service: ApprovalService;
  /** The pages read what they show from the store, and ask GitHub who may read what. */
  store: Store;
  github: GitHubPort;
  now: () => number;
  log: Logger;
  metrics: Metrics;
  /** Undefined: sign-in is not configured; the pages say so. */
  auth: UserAuth | undefined;
  sessionMs: number;
  /** Seal the sign-in state cookie (`signInKeys` of the app's private key). */
  signInKeys: KeyRing;
  /** The app's public URL: its origin is the only one forms are taken from. */
  publicUrl: string;
  /** GitHub's web host, for links to runs. */
  serverUrl: string;
}

const PAGE = /^\/requests\/(req_[0-9a-f]{24})$/;
const DECIDE = /^\/requests\/(req_[0-9a-f]{24})\/decide$/;

/** Handles one request to the pages; false: the path is not the pages'. */
type Route = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * The approval page: sign-in with GitHub, "Waiting for you", a request's page with Approve and
 * Deny, and recent decisions. Returns false for paths that are not its own.
 */
export function createWebHandler(d: WebDeps): Route {
  const { store, github, now, log, metrics } = d;
  // PUBLIC_URL is kept as written: `HTTPS://…` is https too.
  const secure = new URL(d.publicUrl).protocol === 'https:';
  const sessions = new Sessions({ store, now, ttlMs: d.sessionMs, secure });
  const signIn: SignInDeps = {
    sessions,
    keys: d.signInKeys,
    taken: new TakenStates(),
    auth: d.auth,
    now,
    log,
  };
  const pages = new PageReads({
    store,
    service: d.service,
    users: new CurrentUsers(github, now),
    access: new ReadAccess(github, now),
    log,
    now,
    serverUrl: d.serverUrl,
  });
  const votes: VoteFormDeps = {
    service: d.service,
    store,
    pages,
    metrics,
    origin: new URL(d.publicUrl).origin,
  };

  /** The sign-in and sign-out routes, which need no session; false: not one of them. */
  const auth = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
  ): Promise<boolean> => {
    const path = url.pathname;
    if (path === '/auth/signin' && method === 'GET') {
      startSignIn(signIn, res, url.searchParams.get('next'));
      return true;
    }
    if (path === '/auth/callback' && method === 'GET') {
      await finishSignIn(signIn, req, res, url);
      return true;
    }
    if (path === '/auth/signout' && method === 'POST') {
      const session = await sessions.current(req);
      if (session && !(await formOf(votes.origin, session, req)))
        sendPage(res, 403, messagePage('Refused', session, html`Sign out from the app's own page.`));
      else redirect(res, '/auth/signed-out', { 'set-cookie': await sessions.end(req) });
      return true;
    }
    if (path === '/auth/signed-out' && method === 'GET') {
      sendPage(
        res,
        200,
        messagePage(
          'Signed out',
          undefined,
          html`You are signed out.`,
          html`<p><a class="button" href="/auth/signin">Sign in with GitHub</a></p>`,
        ),
      );
      return true;
    }
    return false;
  };

  /** No session: a form is refused (nothing changed), a page sends the browser to sign in first. */
  const signedOut = (res: ServerResponse, url: URL, method: string): void => {
    if (method === 'POST') {
      countRefused(metrics, 'signed_out');
      sendPage(
        res,
        401,
        messagePage('Signed out', undefined, html`Your session has ended; sign in again. Nothing changed.`),
      );
    } else if (!d.auth) startSignIn(signIn, res, null);
    else redirect(res, `/auth/signin?next=${encodeURIComponent(url.pathname + url.search)}`);
  };

  /** A page of a signed-in account: the lists, a request's page, or its vote form. */
  const signedIn = async (
    session: Session,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<void> => {
    const path = url.pathname;
    const decideId = DECIDE.exec(path)?.[1];
    if (decideId) return voteFromPage(votes, session, req, res, decideId);
    if (path === '/requests')
      return sendPage(res, 200, waitingPage(session, await pages.waiting(session), now()));
    if (path === '/decisions') {
      const { rows, filter, repositories } = await pages.decisions(session, url);
      return sendPage(res, 200, decisionsPage(session, rows, filter, repositories));
    }
    const found = await pages.readable(session, PAGE.exec(path)![1]!);
    if (!found) return notFound(res, session);
    sendPage(res, 200, requestPage(session, await pages.view(session, found.user, found.r)));
  };

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/assets/app.css' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=3600' });
      res.end(STYLESHEET);
      return true;
    }
    if (path === '/' && method === 'GET') {
      redirect(res, '/requests');
      return true;
    }
    if (await auth(req, res, url, method)) return true;
    const ours =
      (method === 'GET' && (path === '/requests' || path === '/decisions' || PAGE.test(path))) ||
      (method === 'POST' && DECIDE.test(path));
    if (!ours) return false;
    const session = await sessions.current(req);
    if (session) await signedIn(session, req, res, url);
    else signedOut(res, url, method);
    return true;
  };
}
