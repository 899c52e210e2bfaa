import { repoOf } from '../../domain/claims.ts';
import type { Effect } from '../../domain/effects.ts';
import { approverMention, commentBody } from '../../notify/render-github.ts';
import type { Ports } from '../ports.ts';
import { noticeFor } from './notice.ts';

/** The marker of a follow-up comment: how a try whose outcome is unknown finds what it posted. */
const followUpMarker = (key: string): string => `<!-- jit-approvals ${key} -->`;

/**
 * Effect `follow_up`: a new comment in the request's conversation (its comment's thread, or its
 * issue), where a new mention notifies again as an edit would not: a reminder of who has not voted
 * (`data.what: reminder`), or the approvers of an escalation that became due (`escalation`, with
 * `data.users`, `data.teams`). Nothing once the request has ended, or where policies said `github: none`.
 */
export async function doFollowUp(p: Pick<Ports, 'ledger' | 'links' | 'github'>, e: Effect): Promise<void> {
  const r = await p.ledger.read(e.requestId!);
  const plan = r.notice;
  if (!plan || plan.github === 'none' || r.status !== 'pending') return;
  const on =
    plan.github === 'issue' && plan.posted !== null
      ? { kind: 'pull' as const, number: plan.posted }
      : plan.thread;
  const [owner, repo] = repoOf(r.claims);
  const notice = await noticeFor(p, r);
  const who = [...((e.data.users as string[]) ?? []), ...((e.data.teams as string[]) ?? [])].map(
    approverMention,
  );
  const head =
    e.data.what === 'escalation'
      ? `**Escalated**: ${who.join(' ')} may now decide too.`
      : '**Reminder**: still waiting.';
  const found =
    e.attempts > 1
      ? await p.github.findComment(r.installationId, owner, repo, on, followUpMarker(e.key))
      : null;
  if (found !== null) return;
  await p.github.postComment(
    r.installationId,
    owner,
    repo,
    on,
    `${head}\n\n${commentBody(notice)}\n\n${followUpMarker(e.key)}`,
  );
}
