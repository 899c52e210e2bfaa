import type { StoredRequest } from '../../domain/request.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Session } from '../sessions.ts';

export type Nav = 'waiting' | 'decisions' | 'none';

/** A page: the header (navigation, who is signed in, sign-out) around `body`. */
export function layout(title: string, session: Session | undefined, nav: Nav, body: SafeHtml): SafeHtml {
  const link = (href: string, label: string, is: Nav) =>
    html`<a href="${href}" ${nav === is ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${title} · jit-approvals</title>
        <link rel="stylesheet" href="/assets/app.css" />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <nav aria-label="Main">
            <a class="brand" href="/requests">jit-approvals</a>
            ${session ? [link('/requests', 'Waiting for you', 'waiting'), link('/decisions', 'Recent decisions', 'decisions')] : ''}
          </nav>
          ${
            session
              ? html`<div class="who">
                  <span>Signed in as <strong>${session.user.login}</strong></span>
                  <form method="post" action="/auth/signout">
                    <input type="hidden" name="csrf" value="${session.csrf}" /><button type="submit">
                      Sign out
                    </button>
                  </form>
                </div>`
              : ''
          }
        </header>
        <main id="main">${body}</main>
      </body>
    </html> `;
}

/** `2026-11-22 14:05 UTC` in a <time> element. */
export const when = (ms: number): SafeHtml => {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
};

/** `45 s left` (under a minute), `12 min left`, `2 h 5 min left`, or `timed out`. */
export function timeLeft(expiresAt: number, now: number): string {
  const seconds = Math.ceil((expiresAt - now) / 1000);
  if (seconds <= 0) return 'timed out';
  if (seconds < 60) return `${seconds} s left`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''} left`;
}

const LABEL: Record<StoredRequest['status'], string> = {
  pending: 'Waiting',
  approved: 'Approved',
  denied: 'Denied',
  timed_out: 'Timed out',
  cancelled: 'Cancelled',
};

export const statusBadge = (status: StoredRequest['status']): SafeHtml =>
  html`<span class="status ${status}">${LABEL[status]}</span>`;

/** `deploy-web in acme/shop (production)`: what a request asks for, where. */
export const what = (r: StoredRequest): SafeHtml =>
  html`<code>${r.action}</code> in
    ${r.claims.repository}${r.claims.environment ? html` (environment <strong>${r.claims.environment}</strong>)` : ''}`;

/** Who asked: the actor, and whoever re-ran the run if someone else did. */
export function asker(r: StoredRequest): SafeHtml {
  const c = r.claims;
  const rerun = c.triggering_actor && c.triggering_actor.toLowerCase() !== c.actor.toLowerCase();
  return html`${c.actor}${rerun ? html` (re-run by ${c.triggering_actor})` : ''}`;
}

/** `contents: write, deployments: write for 15 min`, or what the policies grant when none was shown. */
export function tokenTerms(r: StoredRequest): string {
  const token = r.terms?.token ?? r.decision.token;
  if (!token) return 'no token';
  const perms = Object.entries(token.permissions).map(([k, v]) => `${k}: ${v}`);
  return `${perms.join(', ') || 'no permissions'} for ${Math.round(token.ttl_seconds / 60)} min`;
}

type Cell = SafeHtml | string;

/**
 * A table that becomes one block per row on a phone: each cell carries its column's name
 * (`data-label`), which the stylesheet shows before it when the header row is hidden.
 */
export function responsiveTable(
  columns: readonly string[],
  rows: readonly Cell[][],
  caption?: string,
): SafeHtml {
  return html`<table class="responsive">
    ${
      caption
        ? html`<caption class="muted">
            ${caption}
          </caption>`
        : ''
    }
    <thead>
      <tr>
        ${columns.map((c) => html`<th scope="col">${c}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (cells) =>
          html`<tr>
            ${cells.map((cell, i) => html`<td data-label="${columns[i]}">${cell}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}
