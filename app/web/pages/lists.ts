import type { StoredRequest } from '../../domain/request.ts';
import type { StoredVote } from '../../domain/vote.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Session } from '../sessions.ts';
import { asker, layout, responsiveTable, statusBadge, timeLeft, tokenTerms, when } from './layout.ts';

export interface Waiting {
  request: StoredRequest;
  votes: StoredVote[];
}

const votesSoFar = (r: StoredRequest, votes: StoredVote[]): SafeHtml => {
  const needed = r.decision.requirements.map(
    (q) => `${q.required - q.remaining} of ${q.required} (${q.policy})`,
  );
  const who = votes.map((v) => `${v.voterLogin} ${v.decision === 'approve' ? 'approved' : 'denied'}`);
  return html`${needed.join('; ') || 'none needed'}${who.length ? html` — ${who.join(', ')}` : ''}`;
};

/** "Waiting for you": the pending requests the signed-in user may decide, newest first. */
export function waitingPage(session: Session, items: Waiting[], now: number): SafeHtml {
  const body = items.length
    ? html`<ul class="cards">
        ${items.map(
          ({ request: r, votes }) =>
            html`<li>
              <h2>
                <a href="/requests/${r.id}">${r.action}</a>
                <span class="muted">in ${r.claims.repository}</span>
              </h2>
              <dl class="facts">
                <dt>Where</dt>
                <dd>
                  ${r.claims.environment ? html`environment <strong>${r.claims.environment}</strong>, ` : ''}ref
                  <code>${r.claims.ref}</code>
                </dd>
                <dt>Asked by</dt>
                <dd>${asker(r)}</dd>
                <dt>Why</dt>
                <dd>${r.reason ?? html`<span class="muted">no reason given</span>`}</dd>
                <dt>Token</dt>
                <dd>${tokenTerms(r)}</dd>
                <dt>Approvals</dt>
                <dd>${votesSoFar(r, votes)}</dd>
                <dt>Time left</dt>
                <dd>${timeLeft(r.expiresAt, now)} (until ${when(r.expiresAt)})</dd>
              </dl>
            </li>`,
        )}
      </ul>`
    : html`<p>Nothing waits for you. Requests you may approve or deny appear here while they wait.</p>`;
  return layout(
    'Waiting for you',
    session,
    'waiting',
    html`<h1>Waiting for you</h1>
      <p class="muted">Requests you may decide, in repositories you can read, newest first.</p>
      ${body}`,
  );
}

export interface DecisionFilter {
  repository: string;
  outcome: string;
  action: string;
}

export const OUTCOMES = ['approved', 'denied', 'timed_out', 'cancelled'] as const;

/** "Recent decisions" in repositories the user can read, filtered by repository, outcome and action. */
export function decisionsPage(
  session: Session,
  rows: { request: StoredRequest; deciders: string }[],
  filter: DecisionFilter,
  repositories: string[],
): SafeHtml {
  const option = (value: string, label: string, current: string) =>
    html`<option value="${value}" ${value === current ? html` selected` : ''}>${label}</option>`;
  const form = html`<form class="filters" method="get" action="/decisions">
    <div>
      <label for="f-repository">Repository</label
      ><select id="f-repository" name="repository">
        ${option('', 'All you can read', filter.repository)}${repositories.map((n) => option(n, n, filter.repository))}
      </select>
    </div>
    <div>
      <label for="f-outcome">Outcome</label
      ><select id="f-outcome" name="outcome">
        ${option('', 'Any', filter.outcome)}${OUTCOMES.map((o) => option(o, o.replace('_', ' '), filter.outcome))}
      </select>
    </div>
    <div>
      <label for="f-action">Action</label
      ><input
        type="text"
        id="f-action"
        name="action"
        value="${filter.action}"
        placeholder="e.g. deploy-web"
      />
    </div>
    <div><button type="submit">Filter</button></div>
  </form>`;
  const table = rows.length
    ? responsiveTable(
        ['Decided', 'Request', 'Outcome', 'By'],
        rows.map(({ request: r, deciders }) => [
          r.decidedAt ? when(r.decidedAt) : '',
          html`<a href="/requests/${r.id}">${r.action}</a> in
            ${r.claims.repository}${r.claims.environment ? ` (${r.claims.environment})` : ''}`,
          statusBadge(r.status),
          deciders,
        ]),
        `The ${rows.length} most recent`,
      )
    : html`<p>No decision matches.</p>`;
  return layout(
    'Recent decisions',
    session,
    'decisions',
    html`<h1>Recent decisions</h1>
      <p class="muted">
        Decided requests in repositories you can read, the most recent first, from the app's record.
      </p>
      ${form}${table}`,
  );
}

/** A page that only says something: signed out, sign-in not configured, not found, refused. */
export function messagePage(
  title: string,
  session: Session | undefined,
  message: SafeHtml,
  action?: SafeHtml,
): SafeHtml {
  return layout(
    title,
    session,
    'none',
    html`<h1>${title}</h1>
      <p>${message}</p>
      ${action ?? ''}`,
  );
}

/** Who decided: the approvers, "automatically", or why it was denied, timed out or cancelled. */
export function deciders(r: StoredRequest): string {
  if (r.status === 'approved')
    return r.decision.auto
      ? 'automatically (policy)'
      : [...new Set(r.decision.requirements.flatMap((q) => q.approved_by))].join(', ') || 'approved';
  if (r.status === 'timed_out') return 'nobody decided in time';
  if (r.status === 'cancelled') return 'the run ended or the step was cancelled';
  return (
    r.decision.reasons.find((x) => x.rule === 'deny_vote')?.message ??
    r.decision.reasons[0]?.message ??
    'denied'
  );
}
