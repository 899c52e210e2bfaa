import type { EffectKind } from '../../domain/effects.ts';
import type { Ports } from '../ports.ts';
import { doReaction, doReply } from './answers.ts';
import { doChat } from './chat.ts';
import { doCheckRun } from './check-run.ts';
import { doFollowUp } from './follow-up.ts';
import { doGateAnswer } from './gate-answer.ts';
import { doNotice } from './notice.ts';
import { doReviewIssue } from './review-issue.ts';
import { doRevoke } from './revoke.ts';
import type { EffectHandler } from './attempt.ts';

/** Each kind of effect and what does it (each handler takes only the ports it uses). */
export function effectHandlers(p: Ports): Record<EffectKind, EffectHandler> {
  return {
    check_run: (e) => doCheckRun(p, e),
    notice: (e) => doNotice(p, e),
    chat: (e) => doChat(p, e),
    follow_up: (e) => doFollowUp(p, e),
    gate_answer: (e) => doGateAnswer(p, e),
    review_issue: (e) => doReviewIssue(p, e),
    revoke: (e) => doRevoke(p, e),
    reaction: (e) => doReaction(p, e),
    reply: (e) => doReply(p, e),
  };
}
