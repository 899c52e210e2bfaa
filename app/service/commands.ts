import { isRequestId, type CommentCommand } from '../domain/comment-command.ts';
import { threadKey, type Thread } from '../domain/thread.ts';
import { inertCode, mention } from '../render/markdown.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { Ports } from './ports.ts';
import { REPLY_WINDOW_MS, type ReplyBudget } from './reply-budget.ts';
import { handleVote, type VoteContext } from './vote-intake.ts';

/** A comment on a pull request (or the app's issue) or a commit holding a command, as read at the edge. */
export interface CommentEvent {
  repositoryId: string;
  installationId: number;
  owner: string;
  repo: string;
  /** Where it was written: a pull request or issue number, or a commit. */
  thread: Thread;
  commentId: number;
  command: CommentCommand;
  /** When it was written, by GitHub's clock (`comment.created_at`, epoch ms). */
  writtenAt: number;
  action: 'created' | 'edited';
  sender: { id: number; login: string; type: string };
  deliveryId: string;
}

/** The requests of a thread a command is matched against, at most (pending ones first). */
const ON_THREAD = 50;

const where = (t: Thread): string => (t.kind === 'pull' ? 'here' : 'on this commit');
/** Action names and ids are plain (checked where they come in); any other word is made inert. */
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;
const code = (word: string): string => (PLAIN.test(word) ? `\`${word}\`` : inertCode(word));
const listed = (rs: readonly StoredRequest[]): string =>
  rs.map((r) => `${code(r.action)} (${r.id})`).join(', ');

/**
 * `/approve` or `/deny`, naming a request by its exact action name or id, or naming nothing when
 * exactly one request waits, decides as the button does: the same authorization, self-approval and
 * team rules, and redelivery safety (one vote path). A command counts only for requests shown
 * before it was written (GitHub's `created_at` against the check run's `started_at`, both whole
 * seconds). A counted command gets a 👍 reaction; one that changes nothing gets an answer saying
 * why, within the sender's answer budget, in GitHub's low-priority write lane. Edited comments
 * never count.
 */
export async function handleComment(
  p: Pick<Ports, 'ledger' | 'github' | 'now' | 'metrics' | 'log' | 'appId' | 'effects'>,
  votes: VoteContext & { replies: Pick<ReplyBudget, 'take'> },
  c: CommentEvent,
): Promise<void> {
  if (c.sender.type === 'Bot') return; // the app's own comments, and other bots'
  const { ledger, metrics, now } = p;
  if (await ledger.journal.processed(c.deliveryId)) return; // a redelivery: answered the first time
  const verb = `/${c.command.verb}`;
  const place = {
    installationId: c.installationId,
    owner: c.owner,
    repo: c.repo,
    thread: c.thread,
    commentId: c.commentId,
  };
  // At most one answer per sender and subject per window, here and on every instance (its key).
  const reply = async (about: string, text: string): Promise<void> => {
    const key = about.startsWith('edit:') ? about : `${c.repositoryId}:${threadKey(c.thread)}:${about}`;
    const window = Math.floor(now() / REPLY_WINDOW_MS);
    const allowed =
      votes.replies.take(c.sender.id, key) &&
      (
        await ledger.schedule([
          {
            kind: 'reply',
            key: `reply:${c.sender.id}:${key}:${about.startsWith('edit:') ? 'once' : window}`,
            requestId: null,
            lane: 'low',
            data: { ...place, body: `${mention(c.sender.login)} ${text}` },
          },
        ])
      )[0];
    metrics.count('jit_command_replies_total', 'Answers to comment commands that changed nothing.', {
      outcome: allowed ? 'sent' : 'suppressed',
    });
  };
  if (c.action === 'edited')
    return reply(
      `edit:${c.commentId}`,
      `an edited comment does not count: write \`${verb}\` in a new comment.`,
    );
  const onThread = await ledger.find.requestsOnThread(c.repositoryId, threadKey(c.thread), ON_THREAD);
  const pending = onThread.filter((r) => r.status === 'pending');
  // GitHub stamps whole seconds: a request shown in the second the comment was written counts.
  const shownBefore = pending.filter((r) => (r.shownAt ?? r.createdAt) <= c.writtenAt);
  const target = c.command.target;
  let chosen: StoredRequest | undefined;
  if (target === null) {
    if (shownBefore.length === 1) chosen = shownBefore[0];
    else if (shownBefore.length > 1)
      return reply(
        'several',
        `several requests wait ${where(c.thread)}: ${listed(shownBefore)}. Name one, e.g. \`${verb} ${shownBefore[0]!.action}\`.`,
      );
    else if (pending.length > 0)
      return reply(
        'unshown',
        `no request waited ${where(c.thread)} when you wrote this: write \`${verb}\` again to decide ${listed(pending)}.`,
      );
    else return reply('none', `no request waits for a decision ${where(c.thread)}; nothing changed.`);
  } else {
    // An id names that request only: never one whose action a workflow named after it.
    const named = onThread.filter((r) => (isRequestId(target) ? r.id === target : r.action === target));
    const waiting = named.filter((r) => shownBefore.includes(r));
    const others = shownBefore.length > 0 ? ` Waiting: ${listed(shownBefore)}.` : '';
    if (waiting.length === 1) chosen = waiting[0];
    else if (waiting.length > 1)
      return reply(
        `several:${target}`,
        `several requests named ${code(target)} wait ${where(c.thread)}: ${listed(waiting)}. Name one by its id.`,
      );
    else if (named.some((r) => r.status === 'pending'))
      return reply(
        `unshown:${target}`,
        `${code(target)} was not waiting when you wrote this: write \`${verb} ${target}\` again.`,
      );
    else if (named.length > 0)
      return reply(
        `ended:${target}`,
        `${code(target)} is already ${named[0]!.status.replace('_', ' ')}; nothing changed.${others}`,
      );
    else
      return reply(
        `unknown:${target}`,
        `${code(target)} is not a request ${where(c.thread)}; nothing changed.${others}`,
      );
  }
  const result = await handleVote(p, votes, {
    requestId: chosen!.id,
    repositoryId: c.repositoryId,
    identifier: c.command.verb,
    sender: { id: c.sender.id, login: c.sender.login },
    deliveryId: c.deliveryId,
    comment: c.command.comment,
    reactTo: place,
  });
  if (!result) return; // a redelivery: answered the first time
  // A counted one has its 👍 due already (vote-intake.ts).
  if (!result.counted)
    await reply(chosen!.id, `your \`${verb}\` of ${code(chosen!.action)} did not count: ${result.reason}.`);
  await p.effects.settle(chosen!.id);
}
