import type { IncomingMessage, ServerResponse } from 'node:http';
import { voteComment } from '../domain/vote-comment.ts';
import { readBody } from '../http/read-body.ts';
import type { Metrics } from '../metrics.ts';
import type { ApprovalService } from '../service/approval-service.ts';
import type { Store } from '../store/types.ts';
import { html } from './html.ts';
import type { PageReads } from './page-reads.ts';
import { messagePage } from './pages/lists.ts';
import { requestPage } from './pages/request-page.ts';
import { countRefused, refusalOf } from './refusals.ts';
import { sendPage } from './respond.ts';
import { csrfMatches, type Session } from './sessions.ts';

/** A form is a few hundred bytes; a comment is at most 1,000 characters. */
const MAX_FORM_BYTES = 16 * 1024;

export interface VoteFormDeps {
  service: Pick<ApprovalService, 'whyCannotDecide' | 'vote'>;
  store: Store;
  pages: PageReads;
  metrics: Metrics;
  /** The app's origin: the only one forms are taken from. */
  origin: string;
}

/** 404, the same whether the request does not exist or the account may not read its repository. */
export const notFound = (res: ServerResponse, session: Session): void =>
  sendPage(
    res,
    404,
    messagePage('Not found', session, html`There is no such request, or you cannot read its repository.`),
  );

/**
 * A state-changing form, or null when it did not come from this app's page for this session
 * (another `Origin`, or not this session's token): such a form changes nothing.
 */
export async function formOf(
  origin: string,
  session: Session,
  req: IncomingMessage,
): Promise<URLSearchParams | null> {
  const form = new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8'));
  return req.headers.origin === origin && csrfMatches(session, form.get('csrf')) ? form : null;
}

/**
 * Approve or Deny from request `id`'s page: a vote like a click or a comment, refused before
 * anything is written unless it may count. Answers with the request's page and what became of it.
 */
export async function voteFromPage(
  d: VoteFormDeps,
  session: Session,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
): Promise<void> {
  const { store, pages, metrics } = d;
  const form = await formOf(d.origin, session, req);
  if (!form) {
    countRefused(metrics, 'form');
    return sendPage(
      res,
      403,
      messagePage('Refused', session, html`This form did not come from this app's page; nothing changed.`),
    );
  }
  const found = await pages.readable(session, id);
  if (!found) {
    countRefused(metrics, 'not_found');
    return notFound(res, session);
  }
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
    return sendPage(res, 200, requestPage(session, await pages.view(session, user, r, sentBefore)));
  // A vote that cannot count is refused here, before anything is written: the vote path would
  // journal its delivery and audit it as ignored, so a stranger's forged votes would cost a row
  // and an audit event each. The screen's membership answers are cached, so its repeats cost no
  // GitHub call either; a vote that passes is judged again, on fresh answers, under the lock.
  let why = await d.service.whyCannotDecide(r, user);
  if (why === undefined) {
    // A vote that may count is read again with the login the account holds at this moment (a
    // login it gave up decides nothing); a refused one costs no such call.
    const now = await pages.reader(session, r, true);
    if (!now) {
      countRefused(metrics, 'not_found');
      return notFound(res, session);
    }
    if (now.login !== user.login) why = await d.service.whyCannotDecide(r, (user = now));
  }
  if (why !== undefined) {
    countRefused(metrics, refusalOf(why));
    const notice = { ok: false, text: `Your vote did not count: ${why}. Nothing was recorded.` };
    return sendPage(res, 403, requestPage(session, await pages.view(session, user, r, notice, why)));
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
  sendPage(res, 200, requestPage(session, await pages.view(session, user, latest, notice)));
}
