import type { Thread } from '../github/port.ts';
import type { StoredRequest } from '../store/types.ts';
import type { ApprovalService } from './approval-service.ts';
import { pullNumber } from './request-input.ts';
import { handleVote } from './vote-intents.ts';

/** A comment on a pull request (or the app's issue) or a commit, as its webhook gives it. */
export interface CommentEvent {
  repositoryId: string;
  installationId: number;
  owner: string;
  repo: string;
  /** Where it was written: a pull request or issue number, or a commit. */
  thread: Thread;
  commentId: number;
  body: string;
  action: 'created' | 'edited' | 'deleted';
  sender: { id: number; login: string; type: string };
  deliveryId: string;
}

/** `/approve` or `/deny` at the start of the comment's first line, and what follows it. */
export function parseCommand(body: string): { decision: 'approve' | 'deny'; rest: string } | undefined {
  const m = /^\s*\/(approve|deny)(?:\s+([^\r\n]*))?/i.exec(body);
  return m ? { decision: m[1]!.toLowerCase() as 'approve' | 'deny', rest: (m[2] ?? '').trim() } : undefined;
}

/** The conversation a request is discussed in: its comment's thread, or its issue. */
function onThread(r: StoredRequest, t: Thread): boolean {
  if (r.notice?.github === 'issue' && t.kind === 'pull' && r.notice.posted === t.number) return true;
  const pr = pullNumber(r.claims);
  const own: Thread = pr === undefined ? { kind: 'commit', sha: r.headSha } : { kind: 'pull', number: pr };
  return own.kind === 'pull'
    ? t.kind === 'pull' && t.number === own.number
    : t.kind === 'commit' && t.sha === own.sha;
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const where = (t: Thread): string => (t.kind === 'pull' ? 'here' : 'on this commit');

/**
 * `/approve` or `/deny`, optionally naming the request's action (or id) and followed by a comment,
 * decides as the button does: the same authorization, self-approval and team rules, and redelivery
 * safety (one vote path). A counted command gets a 👍 reaction; one that changes nothing gets an
 * answer saying why. Edited and deleted comments never count.
 */
export async function handleComment(service: ApprovalService, c: CommentEvent): Promise<void> {
  if (c.sender.type === 'Bot') return; // the app's own comments, and other bots'
  const command = parseCommand(c.body);
  if (!command || c.action === 'deleted') return;
  const { github } = service.deps;
  const mention = LOGIN.test(c.sender.login) ? `@${c.sender.login}` : c.sender.login;
  const reply = async (text: string): Promise<void> => {
    await github
      .postComment(c.installationId, c.owner, c.repo, c.thread, `${mention} ${text}`)
      .catch((err: unknown) =>
        service.deps.log.warn({ err, delivery: c.deliveryId }, 'could not answer a comment command'),
      );
  };
  if (c.action === 'edited')
    return reply(`an edited comment does not count: write \`/${command.decision}\` in a new comment.`);
  const pending = (await service.deps.store.pendingRequests()).filter(
    (r) => r.claims.repository_id === c.repositoryId && onThread(r, c.thread),
  );
  const [first = '', ...others] = command.rest.split(/\s+/);
  const named = pending.filter((r) => r.action === first || r.id === first);
  // A first word shaped like a request id or an action name (`deploy-web`, `release.v2`) names a
  // request: if it names none that waits here, the command decides nothing (never another one).
  const namesOne =
    /^req_[0-9a-f]{24}$/.test(first) || /^[A-Za-z0-9][A-Za-z0-9._/-]*[._/\-\d][A-Za-z0-9._/-]*$/.test(first);
  if (named.length === 0 && namesOne) {
    const list = pending.map((r) => `\`${r.action}\` (${r.id})`).join(', ');
    return reply(
      `\`${first}\` is not a request that waits ${where(c.thread)}; nothing changed.${list ? ` Waiting: ${list}.` : ''}`,
    );
  }
  const target =
    named.length === 1 ? named[0] : named.length === 0 && pending.length === 1 ? pending[0] : undefined;
  if (!target) {
    const list = pending.map((r) => `\`${r.action}\` (${r.id})`).join(', ');
    return reply(
      pending.length === 0
        ? `no request waits for a decision ${where(c.thread)}; nothing changed.`
        : `several requests wait ${where(c.thread)}: ${list}. Name one, e.g. \`/${command.decision} ${pending[0]!.action}\`.`,
    );
  }
  const comment = (named.length === 1 ? others.join(' ') : command.rest).trim();
  const result = await handleVote(service, {
    requestId: target.id,
    repositoryId: c.repositoryId,
    identifier: command.decision,
    sender: { id: c.sender.id, login: c.sender.login },
    deliveryId: c.deliveryId,
    comment: comment === '' ? null : comment.slice(0, 1000),
  });
  if (!result) return; // a redelivery: answered the first time
  if (result.counted)
    await github
      .react(c.installationId, c.owner, c.repo, c.thread, c.commentId, '+1')
      .catch((err: unknown) =>
        service.deps.log.warn(
          { err, request: target.id, delivery: c.deliveryId },
          'could not acknowledge a comment command',
        ),
      );
  else if (firstAnswer(`${target.id}:${c.sender.id}`))
    await reply(`your \`/${command.decision}\` of \`${target.action}\` did not count: ${result.reason}.`);
}

/** Senders answered about a request already (the newest few thousand): each is answered once. */
const answered = new Set<string>();
function firstAnswer(key: string): boolean {
  if (answered.has(key)) return false;
  answered.add(key);
  if (answered.size > 5_000) answered.delete(answered.values().next().value!);
  return true;
}
