import { inertCode, inertText } from '../render/markdown.ts';
import type { Notice } from './notice.ts';

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;
const TEAM = /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A login or team from the policies as an @mention; anything else as inert text. */
export const approverMention = (who: string): string =>
  LOGIN.test(who) || TEAM.test(who) ? `@${who}` : inertText(who);
/** A login from GitHub or a step, named without notifying anyone. */
const name = (who: string): string => `**${inertText(who)}**`;

const HEADLINE: Record<Notice['status'], string> = {
  pending: 'Approval needed',
  approved: 'Approved',
  denied: 'Denied',
  timed_out: 'Timed out',
  cancelled: 'Cancelled',
};

/** The marker that identifies the app's comment for a request. */
export const marker = (id: string): string => `<!-- jit-approvals request ${id} -->`;

/**
 * The comment (or issue body) that tells approvers a request waits. While pending it @mentions
 * who can still decide; edited when votes arrive and when the request ends, it records the outcome
 * without mentioning anyone again (an edit notifies nobody).
 */
export function commentBody(n: Notice): string {
  const where = [
    `on ${inertText(n.repository)} (${inertCode(n.ref)}`,
    n.environment ? `, environment ${inertCode(n.environment)}` : '',
    `) in [${inertText(n.workflow)}](${n.runUrl})`,
    n.jobs.length > 0 ? `, job ${n.jobs.map(inertCode).join(', ')}` : '',
  ].join('');
  const who = n.rerunBy ? `${name(n.actor)} (re-run by ${name(n.rerunBy)})` : name(n.actor);
  const ask = `${who} asks to run ${inertCode(n.action)} ${where}.`;
  const lines = [`### ${n.breakGlass ? 'BREAK-GLASS — ' : ''}${HEADLINE[n.status]}: ${inertCode(n.action)}`];
  const check = n.checkRunUrl ? `the [check run](${n.checkRunUrl})` : 'the check run';
  const review = n.pageUrl ? `the [approval page](${n.pageUrl}), ${check}` : check;
  if (n.status === 'pending') {
    const people = [...n.waitingFor.users, ...n.waitingFor.teams].map(approverMention).join(' ');
    lines.push(`${people}${people ? ': ' : ''}${ask}`);
    if (n.reason) lines.push(`> ${inertText(n.reason)}`);
    lines.push(
      `Needs **${n.remaining} more approval${n.remaining === 1 ? '' : 's'}**. Decide on ${review}, or reply ` +
        `${inertCode(`/approve ${n.action}`)} or ${inertCode(`/deny ${n.action}`)} (a comment may follow on the same line). ` +
        `Times out at ${n.expiresAt}.`,
    );
  } else {
    lines.push(ask);
    if (n.reason) lines.push(`> ${inertText(n.reason)}`);
    const approvers = n.votes.filter((v) => v.decision === 'approve').map((v) => name(v.login));
    const deniers = n.votes.filter((v) => v.decision === 'deny').map((v) => name(v.login));
    const outcome =
      n.status === 'approved'
        ? approvers.length > 0
          ? `Approved by ${approvers.join(', ')}.`
          : 'Approved automatically.'
        : n.status === 'denied' && deniers.length > 0
          ? `Denied by ${deniers.join(', ')}.`
          : `${HEADLINE[n.status]}${n.why ? `: ${inertText(n.why)}` : ''}.`;
    lines.push(`**${outcome}** See ${review}.`);
  }
  if (n.votes.length > 0)
    lines.push(
      n.votes
        .map((v) => `- ${name(v.login)}: ${v.decision}${v.comment ? ` — ${inertText(v.comment)}` : ''}`)
        .join('\n'),
    );
  lines.push(marker(n.id));
  return lines.join('\n\n');
}

/** The title of the issue opened instead of a comment (`notify.github: issue`). */
export const issueTitle = (n: Notice): string =>
  `Approval needed: ${n.action} on ${n.repository} (${n.ref})`.slice(0, 256);
