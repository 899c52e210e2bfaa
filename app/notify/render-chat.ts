import type { NotifyTarget } from '../config/notify-targets.ts';
import type { Notice } from './notice.ts';

export type ChatEvent = 'pending' | 'reminder' | 'ended';

/** Slack mrkdwn: only `&`, `<` and `>` are control characters (and `<url|text>` links). */
const slackText = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
/** Adaptive Card TextBlock Markdown: escape what it would format. */
const teamsText = (s: string): string => s.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]()#+\-.!<>~]/g, '\\$&');

function summary(n: Notice, event: ChatEvent): { headline: string; detail: string[] } {
  const headline =
    (n.breakGlass ? 'BREAK-GLASS: ' : '') +
    (event !== 'ended'
      ? `${event === 'reminder' ? 'Reminder: approval' : 'Approval'} needed: ${n.action} on ${n.repository}`
      : `${n.status.replace('_', ' ')}: ${n.action} on ${n.repository}`);
  const who = [...n.waitingFor.users, ...n.waitingFor.teams.map((t) => `@${t}`)].join(', ');
  const votes = n.votes.map((v) => `${v.login}: ${v.decision}${v.comment ? ` (${v.comment})` : ''}`);
  return {
    headline,
    detail: [
      `Asked by ${n.actor}${n.rerunBy ? ` (re-run by ${n.rerunBy})` : ''}; ref ${n.ref}${n.environment ? `, environment ${n.environment}` : ''}; workflow ${n.workflow}`,
      ...(n.reason ? [`Reason: ${n.reason}`] : []),
      ...(event !== 'ended'
        ? [`Needs ${n.remaining} more approval(s)${who ? ` from ${who}` : ''}; times out at ${n.expiresAt}`]
        : [`${n.why ?? ''}`].filter(Boolean)),
      ...(votes.length > 0 ? [`Votes: ${votes.join('; ')}`] : []),
    ],
  };
}

/** Slack incoming webhook: Block Kit, with a plain-text fallback. */
export function slackMessage(n: Notice, event: ChatEvent): Record<string, unknown> {
  const { headline, detail } = summary(n, event);
  const link = n.pageUrl ?? n.checkRunUrl ?? n.runUrl;
  return {
    text: slackText(headline),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: Array.from(headline).slice(0, 150).join('') } },
      // verbatim: Slack neither links URLs nor reads mentions in text that came from a request.
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          verbatim: true,
          text: Array.from(detail.map(slackText).join('\n')).slice(0, 3000).join(''),
        },
      },
      {
        type: 'actions',
        elements: [{ type: 'button', text: { type: 'plain_text', text: 'Review' }, url: link }],
      },
    ],
  };
}

/** Microsoft Teams incoming webhook: an Adaptive Card in a message. */
export function teamsMessage(n: Notice, event: ChatEvent): Record<string, unknown> {
  const { headline, detail } = summary(n, event);
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, text: teamsText(headline) },
            ...detail.map((d) => ({ type: 'TextBlock', wrap: true, text: teamsText(d) })),
          ],
          actions: [{ type: 'Action.OpenUrl', title: 'Review', url: n.pageUrl ?? n.checkRunUrl ?? n.runUrl }],
        },
      },
    ],
  };
}

/** The documented JSON payload (README "Notifications"): the notice as data, never Markdown. */
export function jsonPayload(n: Notice, event: ChatEvent, sentAt: string): Record<string, unknown> {
  return {
    event: `request.${event}`,
    sent_at: sentAt,
    request: {
      id: n.id,
      status: n.status,
      action: n.action,
      repository: n.repository,
      ref: n.ref,
      environment: n.environment,
      workflow: n.workflow,
      event: n.event,
      actor: n.actor,
      rerun_by: n.rerunBy,
      reason: n.reason,
      jobs: n.jobs,
      waiting_for: n.waitingFor,
      remaining: n.remaining,
      votes: n.votes,
      why: n.why,
      expires_at: n.expiresAt,
      check_run_url: n.checkRunUrl,
      page_url: n.pageUrl,
      break_glass: n.breakGlass,
      run_url: n.runUrl,
    },
  };
}

/** The notice as a target of `format` is sent it (`sentAt`: when, for the JSON payload). */
export function chatMessage(
  n: Notice,
  event: ChatEvent,
  format: NotifyTarget['format'],
  sentAt: string,
): Record<string, unknown> {
  if (format === 'slack') return slackMessage(n, event);
  if (format === 'teams') return teamsMessage(n, event);
  return jsonPayload(n, event, sentAt);
}
