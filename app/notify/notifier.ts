import type { ApprovalService } from '../service/approval-service.ts';
import { ownerOf } from '../domain/claims.ts';
import type { StoredRequest } from '../domain/request.ts';
import { noticeOf } from './notice.ts';
import { commentBody, issueTitle } from './render-github.ts';

const repoOf = (r: StoredRequest): [string, string] => r.claims.repository.split('/') as [string, string];

/** Logs and counts a notification that failed; a notice never fails the request it is about. */
function failed(service: ApprovalService, r: StoredRequest, err: unknown): void {
  service.deps.metrics.count(
    'jit_notification_failures_total',
    'GitHub comments and issues that could not be written.',
  );
  service.deps.log.warn({ err, request: r.id }, 'the GitHub notification could not be written');
}

/**
 * Tells the approvers that a pending request waits: posts the comment (or opens the issue) once,
 * and sends the chat messages. The caller holds the request's lock.
 */
export async function announce(service: ApprovalService, r: StoredRequest): Promise<void> {
  const plan = r.notice;
  if (!plan || r.status !== 'pending' || plan.posted !== null) return;
  const { github, store, serverUrl, pageUrl } = service.deps;
  const notice = noticeOf(r, await store.votes(r.id), serverUrl, pageUrl);
  service.deps.chat.send(plan.webhooks, ownerOf(r.claims), notice, 'pending');
  if (plan.github === 'none') return;
  const [owner, repo] = repoOf(r);
  plan.remindedAt = service.deps.now();
  const openIssue = () =>
    github.openIssue(r.installationId, owner, repo, {
      title: issueTitle(notice),
      body: commentBody(notice),
      assignees: plan.assignees,
    });
  try {
    if (plan.github === 'issue') plan.posted = await openIssue();
    else {
      try {
        plan.posted = await github.postComment(
          r.installationId,
          owner,
          repo,
          plan.thread,
          commentBody(notice),
        );
      } catch (err) {
        // Commenting on a commit needs contents: write. An app without it tells approvers by an issue.
        if (plan.thread.kind !== 'commit' || statusOf(err) !== 403) throw err;
        service.deps.log.warn(
          { request: r.id },
          'no permission to comment on the commit: opening an issue instead',
        );
        plan.github = 'issue';
        plan.posted = await openIssue();
      }
    }
    await service.save(r);
  } catch (err) {
    failed(service, r, err);
  }
}

/** The HTTP status of a GitHub failure (kept as the cause of the app's error). */
const statusOf = (err: unknown): number | undefined =>
  ((err as { cause?: { status?: number } }).cause ?? (err as { status?: number })).status;

/**
 * Brings the comment (or issue) up to date with the request: votes so far, and the outcome once it
 * ended (an issue is closed then). Edits notify nobody. At the end, chat targets hear the outcome.
 */
export async function updateNotice(service: ApprovalService, r: StoredRequest): Promise<void> {
  const plan = r.notice;
  if (!plan) return;
  const { github, store, serverUrl, pageUrl } = service.deps;
  const notice = noticeOf(r, await store.votes(r.id), serverUrl, pageUrl);
  if (r.status !== 'pending') service.deps.chat.send(plan.webhooks, ownerOf(r.claims), notice, 'ended');
  if (plan.github === 'none' || plan.posted === null) return;
  const [owner, repo] = repoOf(r);
  try {
    if (plan.github === 'issue')
      await github.updateIssue(r.installationId, owner, repo, plan.posted, {
        body: commentBody(notice),
        ...(r.status !== 'pending' && { state: 'closed' as const }),
      });
    else
      await github.editComment(r.installationId, owner, repo, plan.thread, plan.posted, commentBody(notice));
  } catch (err) {
    failed(service, r, err);
  }
}
