import { ownerOf } from '../domain/claims.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { ApprovalService } from '../service/approval-service.ts';
import { AppError } from '../errors.ts';
import { asVotes, recordedMembership } from '../domain/vote.ts';
import { noticeOf } from './notice.ts';
import { updateNotice } from './notifier.ts';
import { commentBody, mention } from './render-github.ts';

/**
 * A new comment in the request's conversation (its comment's thread, or its issue): a new mention
 * notifies again where an edit would not. Nothing where the policies said `github: none`; a failure
 * is logged, and the chat message went out anyway.
 */
async function followUp(
  service: ApprovalService,
  r: StoredRequest,
  body: string,
  what: string,
): Promise<void> {
  const plan = r.notice!;
  if (plan.github === 'none') return;
  const [owner, repo] = r.claims.repository.split('/') as [string, string];
  const on =
    plan.github === 'issue' && plan.posted !== null
      ? { kind: 'pull' as const, number: plan.posted }
      : plan.thread;
  await service.deps.github
    .postComment(r.installationId, owner, repo, on, body)
    .catch((err: unknown) => service.deps.log.warn({ err, request: r.id }, `${what} could not be posted`));
}

/**
 * Reminds the approvers of pending requests whose `remind_every` has passed since they were last
 * told: a new comment (on the request's pull request or commit, or its issue) that mentions those
 * who have not voted, and a chat message. At most one reminder per interval across all instances:
 * the time of the reminder is saved (optimistically, under the request's lock) before it is sent,
 * so an instance that loses the race sends nothing.
 */
export async function remindDue(service: ApprovalService): Promise<void> {
  const { store, now, serverUrl, pageUrl, log } = service.deps;
  for (const p of await store.pendingRequests()) {
    await escalateDue(service, p.id).catch((err: unknown) => {
      if (!(err instanceof AppError && err.code === 'conflict'))
        log.error({ err, request: p.id }, 'escalating failed');
    });
    const every = p.notice?.remindEverySeconds;
    if (!every || now() - (p.notice!.remindedAt ?? p.createdAt) < every * 1000) continue;
    await service.locks
      .run(p.id, async () => {
        const r = (await store.getRequest(p.id))!;
        const plan = r.notice!;
        if (r.status !== 'pending' || now() - (plan.remindedAt ?? r.createdAt) < every * 1000) return;
        plan.remindedAt = now();
        await service.save(r, [{ type: 'reminder', data: { remind_every_seconds: every } }]);
        const notice = noticeOf(r, await store.votes(r.id), serverUrl, pageUrl);
        service.deps.chat.send(plan.webhooks, ownerOf(r.claims), notice, 'reminder');
        await followUp(service, r, `**Reminder**: still waiting.\n\n${commentBody(notice)}`, 'a reminder');
      })
      .catch((err: unknown) => {
        if (!(err instanceof AppError && err.code === 'conflict'))
          log.error({ err, request: p.id }, 'reminding failed');
      });
  }
}

/**
 * Tells the approvers of an escalation that became due (`escalate.after` passed) that they may now
 * decide: the request is judged again (so the check run and the comment list them), a new comment
 * mentions them, and chat targets hear it; audited as `escalation`. Once per escalation, across
 * instances (saved under the request's lock before it is sent).
 */
async function escalateDue(service: ApprovalService, id: string): Promise<void> {
  const { store, now, serverUrl, pageUrl } = service.deps;
  const peek = await store.getRequest(id);
  const waited = (at: number, r: { createdAt: number }) => Math.floor((at - r.createdAt) / 1000);
  const due = (r: NonNullable<typeof peek>) =>
    (r.terms?.requirements ?? [])
      .flatMap((q) => q.escalate ?? [])
      .filter(
        (e) => waited(now(), r) >= e.after_seconds && e.after_seconds > (r.notice?.escalatedAfter ?? -1),
      );
  if (!peek || peek.status !== 'pending' || !peek.notice || due(peek).length === 0) return;
  await service.locks.run(id, async () => {
    const r = (await store.getRequest(id))!;
    const fresh = due(r);
    if (r.status !== 'pending' || !r.notice || fresh.length === 0) return;
    const votes = await store.votes(r.id);
    const judged = await service.judge(r, asVotes(votes), recordedMembership(votes));
    if (judged.decision.outcome === 'pending') r.decision = judged.decision;
    r.terms = judged.terms;
    r.notice.escalatedAfter = Math.max(...fresh.map((e) => e.after_seconds));
    const users = [...new Set(fresh.flatMap((e) => e.users))];
    const teams = [...new Set(fresh.flatMap((e) => e.teams))];
    await service.saveShown(r, [
      { type: 'escalation', data: { after_seconds: r.notice.escalatedAfter, users, teams } },
    ]);
    // The request's own comment (or issue), edited in place, lists who may decide now.
    await updateNotice(service, r);
    const notice = noticeOf(r, votes, serverUrl, pageUrl);
    service.deps.chat.send(r.notice.webhooks, ownerOf(r.claims), notice, 'reminder');
    const who = [...users.map((u) => mention(u)), ...teams.map((t) => mention(t))].join(' ');
    await followUp(
      service,
      r,
      `**Escalated**: ${who} may now decide too.\n\n${commentBody(notice)}`,
      'an escalation',
    );
  });
}
