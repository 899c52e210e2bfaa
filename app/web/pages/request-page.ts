import { workflowShown } from '../../domain/claims.ts';
import type { AuditEvent } from '../../audit/event.ts';
import type { StoredRequest } from '../../domain/request.ts';
import type { StoredVote } from '../../domain/vote.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Session } from '../sessions.ts';
import { asker, layout, responsiveTable, statusBadge, timeLeft, tokenTerms, what, when } from './layout.ts';

export interface RequestPageData {
  request: StoredRequest;
  votes: StoredVote[];
  timeline: AuditEvent[];
  /** Undefined: the user may decide now; otherwise why not. */
  cannotDecide: string | undefined;
  /** A fresh value for the decide form: the same form sent twice is one vote. */
  nonce: string;
  /** What became of the user's last submission, shown at the top. */
  notice?: { ok: boolean; text: string };
  serverUrl: string;
  now: number;
}

const TIMELINE: Record<string, string> = {
  request: 'Requested',
  leg_joined: 'Another job joined',
  gate_joined: 'Another job joined the gate',
  vote: 'Vote',
  vote_ignored: 'Vote that did not count',
  decision: 'Decided',
  token_granted: 'Token granted',
  token_revoked: 'Token revoked',
  gate_answered: 'GitHub answered',
  notified: 'Approvers told',
  reminded: 'Reminder sent',
  escalated: 'Escalated',
};

function event(e: AuditEvent): SafeHtml {
  const d = e.data;
  const text = (k: string): string | undefined => (typeof d[k] === 'string' ? (d[k] as string) : undefined);
  const detail = [
    text('voter') &&
      `${text('voter')}${text('decision') ? ` ${text('decision') === 'approve' ? 'approved' : 'denied'}` : ''}`,
    e.type === 'decision' && text('status')?.replace('_', ' '),
    text('outcome'),
    text('reason'),
    text('comment') && `“${text('comment')}”`,
    text('job'),
  ].filter(Boolean);
  return html`<li>
    ${when(e.at)} —
    ${TIMELINE[e.type] ?? e.type.replaceAll('_', ' ')}${detail.length ? `: ${detail.join(', ')}` : ''}
  </li>`;
}

/** What became of one job waiting on the request. */
function legState(r: StoredRequest, l: StoredRequest['legs'][number]): SafeHtml | string {
  if (l.endedAt) return html`ended ${when(l.endedAt)}`;
  if (l.token)
    return l.token.revokedAt ? html`its token was revoked ${when(l.token.revokedAt)}` : 'holds its token';
  return r.status === 'pending' ? 'waiting' : `no token (${r.status.replace('_', ' ')})`;
}

function decideForm(v: RequestPageData, session: Session): SafeHtml {
  const r = v.request;
  if (r.status !== 'pending') return html``;
  if (v.cannotDecide !== undefined)
    return html`<p class="notice"><strong>You cannot decide this request:</strong> ${v.cannotDecide}.</p>`;
  return html`<form class="decide" method="post" action="/requests/${r.id}/decide">
    <h2 id="decide-heading">Your decision</h2>
    <input type="hidden" name="csrf" value="${session.csrf}" />
    <input type="hidden" name="nonce" value="${v.nonce}" />
    <label for="comment">Comment (optional)</label>
    <textarea id="comment" name="comment" maxlength="1000" aria-describedby="comment-help"></textarea>
    <p id="comment-help" class="muted">Kept with your vote in the audit log, and shown on the check run.</p>
    <div class="buttons">
      <button type="submit" name="decision" value="approve" class="approve">Approve</button>
      <button type="submit" name="decision" value="deny" class="deny">Deny</button>
    </div>
  </form>`;
}

/** A request's page: everything the check run shows, the votes, the legs, the timeline, and the decision. */
export function requestPage(session: Session, v: RequestPageData): SafeHtml {
  const r = v.request;
  const c = r.claims;
  const run = `${v.serverUrl}/${c.repository}/actions/runs/${c.run_id}/attempts/${c.run_attempt}`;
  const requirements = r.decision.requirements.map(
    (q) =>
      html`<li>
        <strong>${q.policy}</strong>: ${q.required - q.remaining} of ${q.required} approvals from
        ${[...q.approvers.users, ...q.approvers.teams.map((t) => `@${t}`)].join(
          ', ',
        )}${q.self_approval ? ' (self-approval allowed)' : ''}${q.approved_by.length ? ` — approved by ${q.approved_by.join(', ')}` : ''}
      </li>`,
  );
  const reasons = r.decision.reasons.map((x) => html`<li>${x.message}</li>`);
  const votes = v.votes.length
    ? responsiveTable(
        ['Who', 'Vote', 'Comment', 'When'],
        v.votes.map((x) => [
          x.voterLogin,
          x.decision === 'approve' ? 'Approved' : 'Denied',
          x.comment ?? '',
          when(x.at),
        ]),
      )
    : html`<p class="muted">No votes yet.</p>`;
  const legs = r.legs.length
    ? html`<ul>
        ${r.legs.map((l) => html`<li>${l.name} — ${legState(r, l)}</li>`)}
      </ul>`
    : r.gate
      ? html`<p>
          A job gate: jobs of this run that deploy to <strong>${r.gate.environment}</strong> wait for it
          before they get a runner.
        </p>`
      : html``;
  const body = html`${v.notice ? html`<p class="notice ${v.notice.ok ? 'ok' : 'bad'}" role="status">${v.notice.text}</p>` : ''}
    <h1>${statusBadge(r.status)} ${r.action}</h1>
    <dl class="facts">
      <dt>Where</dt>
      <dd>${what(r)}</dd>
      <dt>Ref</dt>
      <dd><code>${c.ref}</code> at <code>${r.headSha.slice(0, 12)}</code></dd>
      <dt>Workflow</dt>
      <dd>
        <a href="${run}">${workflowShown(c)}</a> (run ${c.run_id}, attempt ${c.run_attempt}, ${c.event_name})
      </dd>
      <dt>Asked by</dt>
      <dd>${asker(r)}</dd>
      <dt>Why</dt>
      <dd>${r.reason ?? html`<span class="muted">no reason given</span>`}</dd>
      <dt>Token</dt>
      <dd>${tokenTerms(r)}</dd>
      <dt>Asked</dt>
      <dd>${when(r.createdAt)}</dd>
      <dt>${r.status === 'pending' ? 'Time left' : 'Decided'}</dt>
      <dd>
        ${r.status === 'pending' ? html`${timeLeft(r.expiresAt, v.now)} (until ${when(r.expiresAt)})` : r.decidedAt ? when(r.decidedAt) : ''}
      </dd>
    </dl>
    ${decideForm(v, session)}
    <h2>What it takes</h2>
    ${
      requirements.length
        ? html`<ul>
            ${requirements}
          </ul>`
        : html`<p>No approval: the policies decided on their own.</p>`
    }${
      reasons.length
        ? html`<h2>Why</h2>
            <ul>
              ${reasons}
            </ul>`
        : ''
    }
    <h2>Votes</h2>
    ${votes}
    ${
      legs.text
        ? html`<h2>${r.gate ? 'Gate' : 'Jobs'}</h2>
            ${legs}`
        : ''
    }
    <h2>Timeline</h2>
    <ol class="timeline">
      ${v.timeline.map(event)}
    </ol>`;
  return layout(`${r.action} in ${c.repository}`, session, 'none', body);
}
