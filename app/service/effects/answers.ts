import type { Effect } from '../../domain/effects.ts';
import type { Thread } from '../../domain/thread.ts';
import type { Ports } from '../ports.ts';

/** Where a comment command was written: what a reaction or an answer to it needs. */
export interface CommentPlace {
  installationId: number;
  owner: string;
  repo: string;
  thread: Thread;
  commentId: number;
}

/** Effect `reaction`: 👍 on a counted comment command (GitHub keeps one reaction per user). */
export async function doReaction(p: Pick<Ports, 'github'>, e: Effect): Promise<void> {
  const at = e.data as unknown as CommentPlace;
  await p.github.react(at.installationId, at.owner, at.repo, at.thread, at.commentId, '+1');
}

/**
 * Effect `reply`: the answer to a comment command that changed nothing (`data.body`), in GitHub's
 * low-priority write lane. A try whose outcome is unknown may have posted it: the app's comments in
 * the thread are looked through for it first.
 */
export async function doReply(p: Pick<Ports, 'github'>, e: Effect): Promise<void> {
  const at = e.data as unknown as CommentPlace & { body: string };
  if (
    e.attempts > 1 &&
    (await p.github.findComment(at.installationId, at.owner, at.repo, at.thread, at.body)) !== null
  )
    return;
  await p.github.postComment(at.installationId, at.owner, at.repo, at.thread, at.body, { lane: 'low' });
}
