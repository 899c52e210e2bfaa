import type { CompiledPolicy } from '../policy/compiled.ts';
import type { Thread } from './thread.ts';

/** How a request's approvers are told, fixed when it is made, and what has been posted. */
export interface NoticePlan {
  github: 'comment' | 'issue' | 'none';
  webhooks: string[];
  /** The pull request (for `pull_request` runs) or the commit the conversation is on. */
  thread: Thread;
  /** The app's comment id, or the number, once posted. */
  posted: number | null;
  /** For `issue`: the listed users it is assigned to. */
  assignees: string[];
  /** `remind_every` (the shortest of the governing policies'), in seconds; null: no reminders. */
  remindEverySeconds?: number | null;
  /** When approvers were last told (announced or reminded), epoch ms. */
  remindedAt?: number | null;
  /** The longest `escalate.after` whose approvers were told, in seconds. */
  escalatedAfter?: number;
}

/**
 * The plan for a request governed by `governing`: an issue if any of them asks for one, else a
 * comment unless all of them say `none`; the chat targets of all of them.
 */
export function planNotice(governing: readonly CompiledPolicy[], thread: Thread): NoticePlan {
  const modes = new Set(governing.map((p) => p.notify.github));
  const remind = Math.min(...governing.map((p) => p.notify.remindEverySeconds ?? Infinity));
  return {
    github: modes.has('issue') ? 'issue' : modes.has('comment') ? 'comment' : 'none',
    webhooks: [...new Set(governing.flatMap((p) => p.notify.webhooks))],
    thread,
    posted: null,
    assignees: [...new Set(governing.flatMap((p) => p.userList))],
    remindEverySeconds: Number.isFinite(remind) ? remind : null,
    remindedAt: null,
  };
}
