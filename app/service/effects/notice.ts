import { repoOf } from '../../domain/claims.ts';
import type { Effect } from '../../domain/effects.ts';
import type { StoredRequest } from '../../domain/request.ts';
import { failureStatusOf } from '../../github/errors.ts';
import { noticeOf, type Notice } from '../../notify/notice.ts';
import { commentBody, issueTitle, marker } from '../../notify/render-github.ts';
import type { Ports } from '../ports.ts';

type NoticePorts = Pick<Ports, 'ledger' | 'links' | 'github' | 'log' | 'now'>;

/** What approvers are told about request `r` now, with its votes. */
export async function noticeFor(p: Pick<Ports, 'ledger' | 'links'>, r: StoredRequest): Promise<Notice> {
  return noticeOf(r, await p.ledger.votes(r.id), p.links.serverUrl, p.links.pageUrl);
}

/**
 * Effect `notice`: posts the comment that tells approvers a request waits (or opens its issue),
 * once, or brings it up to date (votes so far, the outcome; an issue closes at the end). A try whose
 * outcome is unknown may have posted it: the comment or issue is looked for by the request's
 * marker first. A request decided before anyone was told gets nothing posted.
 */
export async function doNotice(p: NoticePorts, e: Effect): Promise<void> {
  const r = await p.ledger.read(e.requestId!);
  const plan = r.notice;
  if (!plan || plan.github === 'none') return;
  const [owner, repo] = repoOf(r.claims);
  let mode = plan.github;
  let posted = plan.posted;
  // A try whose outcome is unknown (killed after GitHub made it) may have posted it: found by the
  // request's marker, it is kept and brought up to date, even once the request has ended.
  if (posted === null && e.attempts > 1) {
    const found = await findPosted(p, r, owner, repo);
    if (found) {
      ({ mode, posted } = found);
      await record(p, r.id, mode, posted);
    }
  }
  const notice = await noticeFor(p, r);
  if (posted !== null) {
    if (mode === 'issue')
      await p.github.updateIssue(r.installationId, owner, repo, posted, {
        body: commentBody(notice),
        ...(r.status !== 'pending' && { state: 'closed' as const }),
      });
    else await p.github.editComment(r.installationId, owner, repo, plan.thread, posted, commentBody(notice));
    return;
  }
  if (r.status !== 'pending') return;
  // Approvers are told where the check run is: it is made first (on another instance, maybe now).
  if (r.checkRunId === null && (await p.ledger.outstanding(r.id)).some((x) => x.kind === 'check_run'))
    throw Object.assign(new Error('the check run is not made yet: telling the approvers waits for it'), {
      retriable: true,
    });
  const openIssue = (): Promise<number> =>
    p.github.openIssue(r.installationId, owner, repo, {
      title: issueTitle(notice),
      body: commentBody(notice),
      assignees: plan.assignees,
    });
  if (mode === 'issue') posted = await openIssue();
  else {
    try {
      posted = await p.github.postComment(r.installationId, owner, repo, plan.thread, commentBody(notice));
    } catch (err) {
      // Commenting on a commit needs contents: write. An app without it tells approvers by an issue.
      if (plan.thread.kind !== 'commit' || failureStatusOf(err) !== 403) throw err;
      p.log.warn({ request: r.id }, 'no permission to comment on the commit: opening an issue instead');
      mode = 'issue';
      posted = await openIssue();
    }
  }
  await record(p, r.id, mode, posted);
}

/**
 * The comment or issue an earlier try posted for request `r`, by its marker: the comment in its
 * thread, or its issue (also where a comment on a commit fell back to one).
 */
async function findPosted(
  p: NoticePorts,
  r: StoredRequest,
  owner: string,
  repo: string,
): Promise<{ mode: 'comment' | 'issue'; posted: number } | null> {
  const plan = r.notice!;
  if (plan.github === 'comment') {
    const comment = await p.github.findComment(r.installationId, owner, repo, plan.thread, marker(r.id));
    if (comment !== null) return { mode: 'comment', posted: comment };
    if (plan.thread.kind !== 'commit') return null;
  }
  const issue = await p.github.findIssue(r.installationId, owner, repo, marker(r.id));
  return issue === null ? null : { mode: 'issue', posted: issue };
}

/** Records where request `id`'s notice was posted (once: a record already there stands). */
async function record(p: NoticePorts, id: string, mode: 'comment' | 'issue', posted: number): Promise<void> {
  await p.ledger.update(id, (fresh) => {
    if (!fresh.notice || fresh.notice.posted !== null) return null;
    fresh.notice.github = mode;
    fresh.notice.posted = posted;
    fresh.notice.remindedAt ??= p.now();
    return {};
  });
}
