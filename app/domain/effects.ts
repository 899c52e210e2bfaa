import { sha256 } from '../crypto/hash.ts';

// The outbox's vocabulary: every effect the app has on the world outside it (GitHub, chat), written
// as due in the same save as the state change that causes it, and done by one worker.

/**
 * What an effect does. Those that show a request's state (`check_run`, `notice`, `chat_message`)
 * send the state stored when they run, so many changes coalesce into one write; the others happen
 * once per key.
 */
export type EffectKind =
  /** Create the request's check run (if it has none), else update it to the stored state. */
  | 'check_run'
  /** Post the request's comment or open its issue (if not posted), else edit it; an issue closes at the end. */
  | 'notice'
  /** Send one notification to a chat target (`data.target`, `data.event`). */
  | 'chat'
  /** A new comment in the request's conversation: a reminder or an escalation (`data.body`). */
  | 'follow_up'
  /** Answer a job gate (a custom deployment protection rule). */
  | 'gate_answer'
  /** Open the post-incident review issue of a break-glass override. */
  | 'review_issue'
  /** Revoke a token (`data.mint`, or `data.hash` for a token on a leg), due at its TTL or earlier. */
  | 'revoke'
  /** React to a counted comment command (`data`: where). */
  | 'reaction'
  /** Answer a comment command that changed nothing (`data`: where and what), in the low lane. */
  | 'reply';

/** How a second effect with the same key is taken: merged into the one due, or not wanted again. */
export const COALESCED: ReadonlySet<EffectKind> = new Set(['check_run', 'notice', 'revoke']);

/**
 * The order a request's effects due together are done in: approvers are told where the check run
 * is once it exists; answers to strangers go last.
 */
export const PRIORITY: Readonly<Record<EffectKind, number>> = {
  revoke: 0,
  check_run: 1,
  gate_answer: 2,
  notice: 3,
  chat: 4,
  review_issue: 5,
  follow_up: 6,
  reaction: 7,
  reply: 8,
};

/** An effect to schedule. */
export interface EffectDue {
  kind: EffectKind;
  /** What makes it one effect: the same key is the same effect (see `COALESCED`). */
  key: string;
  requestId: string | null;
  /** When it should happen (epoch ms); default: now. */
  dueAt?: number;
  /** `low`: it waits behind every other write and may be dropped (answers to strangers). */
  lane?: 'normal' | 'low';
  data?: Record<string, unknown>;
}

/** An effect as the outbox holds it. */
export interface Effect {
  id: number;
  key: string;
  kind: EffectKind;
  requestId: string | null;
  lane: 'normal' | 'low';
  dueAt: number;
  /** Tries begun, this one included once claimed: more than one means an earlier try's outcome is unknown. */
  attempts: number;
  /** Goes up each time a coalesced effect is wanted again: done only as of the generation it sent. */
  generation: number;
  data: Record<string, unknown>;
  createdAt: number;
}

/** The keys of the effects that show a request: one each, coalesced. */
export const checkRunEffect = (requestId: string): EffectDue => ({
  kind: 'check_run',
  key: `check_run:${requestId}`,
  requestId,
});
export const noticeEffect = (requestId: string): EffectDue => ({
  kind: 'notice',
  key: `notice:${requestId}`,
  requestId,
});

/** A request's message to each chat target it names, for `event` (`n`: which reminder). */
export const chatEffects = (
  requestId: string,
  targets: readonly string[],
  event: 'pending' | 'reminder' | 'ended',
  n = 0,
): EffectDue[] =>
  targets.map((target) => {
    const key = `chat:${requestId}:${target}:${event}${event === 'reminder' ? `:${n}` : ''}`;
    return { kind: 'chat', key, requestId, data: { target, event, delivery: deliveryIdOf(key) } };
  });

/** A stable delivery id for a message (`x-jit-delivery`): the same on every try of it. */
function deliveryIdOf(key: string): string {
  const h = sha256(key);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
