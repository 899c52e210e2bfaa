import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { voteComment } from '../domain/vote-comment.ts';
import type { KeyRing } from '../crypto/keys.ts';
import { readBody } from '../http/read-body.ts';
import type { ApprovalService } from '../service/approval-service.ts';
import type { GitHubPort } from '../github/port.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/types.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { UserAuth } from './github-user.ts';
import { html } from './html.ts';
import { deciders, decisionsPage, messagePage, waitingPage, type Waiting } from './pages/lists.ts';
import { requestPage, type RequestView } from './pages/request-page.ts';
import { STYLESHEET } from './pages/style.ts';
import { ReadAccess } from './read-access.ts';
import { countRefused, refusalOf } from './refusals.ts';
import { redirect, sendPage } from './respond.ts';
import { CurrentUsers } from './current-user.ts';
import type { GitHubUser } from './github-user.ts';
import { csrfMatches, type Session, Sessions } from './sessions.ts';
import { finishSignIn, startSignIn, type SignInDeps } from './sign-in-routes.ts';
import { TakenStates } from './sign-in-state.ts';

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
/** A form is a few hundred bytes; a comment is at most 1,000 characters. */
const MAX_FORM_BYTES = 16 * 1024;
const RECENT = 100;

/**
 * The approval page: sign-in with GitHub, "Waiting for you", a request's page with Approve and
 * Deny, and recent decisions. Returns false for paths that are not its own.
 */
export function createWebHandler(
  d: WebDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { store, github, now, log, metrics } = d;
  // PUBLIC_URL is kept as written: `HTTPS://…` is https too.
  const secure = new URL(d.publicUrl).protocol === 'https:';
  const sessions = new Sessions({ store, now, ttlMs: d.sessionMs, secure });
  const access = new ReadAccess(github, now);
  const users = new CurrentUsers(github, now);
  const signIn: SignInDeps = {
    sessions,
    keys: d.signInKeys,
    taken: new TakenStates(),
    auth: d.auth,
    now,
    log,
  };
  const origin = new URL(d.publicUrl).origin;

  /**
   * Whether the account may read the request's repository, asked with the login the account holds
   * now (`fresh`: asked of GitHub now, as a vote is): the user so named, or undefined.
   */
  const reader = async (session: Session, r: StoredRequest, fresh = false) => {
    const user = await users.of(session.user, r.installationId, fresh);
    return user && (await access.canRead(user.login, r)) ? user : undefined;
  };
  /** The request, if it exists and the user may read its repository; else 404, the same either way. */
  const readable = async (
    session: Session,
    id: string,
    fresh = false,
  ): Promise<{ r: StoredRequest; user: GitHubUser } | undefined> => {
    const r = await store.getRequest(id);
    const user = r && (await reader(session, r, fresh));
    return r && user ? { r, user } : undefined;
  };
  const notFound = (res: ServerResponse, session: Session): void =>
    sendPage(
      res,
      404,
      messagePage('Not found', session, html`There is no such request, or you cannot read its repository.`),
    );

  const view = async (
    session: Session,
    user: GitHubUser,
    r: StoredRequest,
    notice?: RequestView['notice'],
    known?: string,
  ): Promise<RequestView> => {
    const votes = await store.votes(r.id);
    return {
      request: r,
      votes,
      timeline: await store.auditOf(r.id),
      cannotDecide:
        known ??
        (votes.some((v) => v.voterId === session.user.id)
          ? 'you have voted on it already'
          : await d.service.whyCannotDecide(r, user)),
      nonce: randomBytes(16).toString('hex'),
      ...(notice && { notice }),
      serverUrl: d.serverUrl,
      now: now(),
    };
  };

  /**
   * For one list: whether a request belongs in it (`test`), where a request GitHub cannot answer
   * about now (failing, or its installation uninstalled or suspended) is left out rather than
   * failing the page for everyone, and its repository is not asked about again in this list.
   */
  const lister = () => {
    const failed = new Set<string>();
    return async (r: StoredRequest, test: () => Promise<boolean>): Promise<boolean> => {
      const key = `${r.installationId} ${r.claims.repository.toLowerCase()}`;
      if (failed.has(key)) return false;
      try {
        return await test();
      } catch (err) {
        failed.add(key);
        log.warn({ err, request: r.id }, 'left a request out of a list: GitHub could not say who may see it');
        return false;
      }
    };
  };

  const waiting = async (session: Session): Promise<Waiting[]> => {
    const found: Waiting[] = [];
    const listed = lister();
    for (const r of await store.pendingRequests()) {
      const votes = await store.votes(r.id);
      if (votes.some((v) => v.voterId === session.user.id)) continue;
      const mayDecide = async () => {
        const user = await reader(session, r);
        return user !== undefined && (await d.service.whyCannotDecide(r, user)) === undefined;
      };
      if (await listed(r, mayDecide)) found.push({ request: r, votes });
    }
    return found.sort((a, b) => b.request.createdAt - a.request.createdAt);
  };

  const decisions = async (session: Session, res: ServerResponse, url: URL): Promise<void> => {
    const filter = {
      repository: url.searchParams.get('repository') ?? '',
      outcome: url.searchParams.get('outcome') ?? '',
      action: (url.searchParams.get('action') ?? '').trim(),
    };
    const seen: StoredRequest[] = [];
    const listed = lister();
    for (const r of await store.decidedRequests(1000))
      if (await listed(r, async () => (await reader(session, r)) !== undefined)) seen.push(r);
    const rows = seen
      .filter(
        (r) =>
          (!filter.repository || r.claims.repository === filter.repository) &&
          (!filter.outcome || r.status === filter.outcome) &&
          (!filter.action || r.action.toLowerCase().includes(filter.action.toLowerCase())),
      )
      .slice(0, RECENT)
      .map((r) => ({ request: r, deciders: deciders(r) }));
    const repositories = [...new Set(seen.map((r) => r.claims.repository))].sort();
    sendPage(res, 200, decisionsPage(session, rows, filter, repositories));
  };

  /**
   * A state-changing form, or null when it did not come from this app's page for this session
   * (another `Origin`, or not this session's token): such a form changes nothing.
   */
  const formOf = async (session: Session, req: IncomingMessage): Promise<URLSearchParams | null> => {
    const form = new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8'));
    return req.headers.origin === origin && csrfMatches(session, form.get('csrf')) ? form : null;
  };

  const decide = async (session: Session, req: IncomingMessage, res: ServerResponse, id: string) => {
    const form = await formOf(session, req);
    if (!form) {
      countRefused(metrics, 'form');
      return sendPage(
        res,
        403,
        messagePage('Refused', session, html`This form did not come from this app's page; nothing changed.`),
      );
    }
    const found = await readable(session, id);
    if (!found) return (countRefused(metrics, 'not_found'), notFound(res, session));
    const { r } = found;
    let { user } = found;
    const decision = form.get('decision');
    const nonce = form.get('nonce') ?? '';
    if ((decision !== 'approve' && decision !== 'deny') || !/^[0-9a-f]{32}$/.test(nonce)) {
      countRefused(metrics, 'bad_form');
      return sendPage(
        res,
        400,
        messagePage('Bad form', session, html`Choose Approve or Deny on the request's page.`),
      );
    }
    // The form's nonce makes a second submission of the same form the same delivery: one vote.
    const deliveryId = `page:${session.user.id}:${nonce}`;
    const sentBefore = { ok: true, text: 'This form was sent before: your vote was recorded once.' };
    if ((await store.votes(r.id)).some((v) => v.delivery === deliveryId))
      return sendPage(res, 200, requestPage(session, await view(session, user, r, sentBefore)));
    // A vote that cannot count is refused here, before anything is written: the vote path would
    // journal its delivery and audit it as ignored, so a stranger's forged votes would cost a row
    // and an audit event each. The screen's membership answers are cached, so its repeats cost no
    // GitHub call either; a vote that passes is judged again, on fresh answers, under the lock.
    let why = await d.service.whyCannotDecide(r, user);
    if (why === undefined) {
      // A vote that may count is read again with the login the account holds at this moment (a
      // login it gave up decides nothing); a refused one costs no such call.
      const now = await reader(session, r, true);
      if (!now) return (countRefused(metrics, 'not_found'), notFound(res, session));
      if (now.login !== user.login) why = await d.service.whyCannotDecide(r, (user = now));
    }
    if (why !== undefined) {
      countRefused(metrics, refusalOf(why));
      const notice = { ok: false, text: `Your vote did not count: ${why}. Nothing was recorded.` };
      return sendPage(res, 403, requestPage(session, await view(session, user, r, notice, why)));
    }
    // The one cut every way to vote stores its text through: never half an emoji, nor a NUL.
    const comment = voteComment(form.get('comment') ?? '');
    const result = await d.service.vote({
      requestId: r.id,
      repositoryId: r.claims.repository_id,
      identifier: decision,
      sender: user,
      deliveryId,
      comment,
    });
    const notice = !result
      ? sentBefore
      : result.counted
        ? { ok: true, text: `Your ${decision === 'approve' ? 'approval' : 'denial'} counted.` }
        : { ok: false, text: `Your vote did not count: ${result.reason}.` };
    const latest = (await store.getRequest(id))!;
    sendPage(res, 200, requestPage(session, await view(session, user, latest, notice)));
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
    if (path === '/' && method === 'GET') return (redirect(res, '/requests'), true);
    if (path === '/auth/signin' && method === 'GET')
      return (startSignIn(signIn, res, url.searchParams.get('next')), true);
    if (path === '/auth/callback' && method === 'GET')
      return (await finishSignIn(signIn, req, res, url), true);
    if (path === '/auth/signout' && method === 'POST') {
      const session = await sessions.current(req);
      if (session && !(await formOf(session, req)))
        return (
          sendPage(res, 403, messagePage('Refused', session, html`Sign out from the app's own page.`)),
          true
        );
      return (redirect(res, '/auth/signed-out', { 'set-cookie': await sessions.end(req) }), true);
    }
    if (path === '/auth/signed-out' && method === 'GET')
      return (
        sendPage(
          res,
          200,
          messagePage(
            'Signed out',
            undefined,
            html`You are signed out.`,
            html`<p><a class="button" href="/auth/signin">Sign in with GitHub</a></p>`,
          ),
        ),
        true
      );
    const page = PAGE.exec(path);
    const decideId = DECIDE.exec(path)?.[1];
    const ours =
      (method === 'GET' && (path === '/requests' || path === '/decisions' || page)) ||
      (method === 'POST' && decideId);
    if (!ours) return false;
    const session = await sessions.current(req);
    if (!session) {
      if (method === 'POST')
        return (
          countRefused(metrics, 'signed_out'),
          sendPage(
            res,
            401,
            messagePage(
              'Signed out',
              undefined,
              html`Your session has ended; sign in again. Nothing changed.`,
            ),
          ),
          true
        );
      if (!d.auth) return (startSignIn(signIn, res, null), true);
      return (redirect(res, `/auth/signin?next=${encodeURIComponent(path + url.search)}`), true);
    }
    if (decideId) return (await decide(session, req, res, decideId), true);
    if (path === '/requests')
      return (sendPage(res, 200, waitingPage(session, await waiting(session), now())), true);
    if (path === '/decisions') return (await decisions(session, res, url), true);
    const found = await readable(session, page![1]!);
    if (!found) return (notFound(res, session), true);
    sendPage(res, 200, requestPage(session, await view(session, found.user, found.r)));
    return true;
  };
}
