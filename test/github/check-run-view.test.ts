// What reviewers see is the truth: every untrusted string on the check run is shown as text, and
// the check run's structure (table rows, headings, lists, links) is the template's alone. Checked
// by rendering with a real GFM renderer, over hostile strings in every field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRunView } from '../../app/notify/check-run-view.ts';
import type { StoredRequest } from '../../app/domain/request.ts';
import type { StoredVote } from '../../app/domain/vote.ts';
import { asOneLine, cellAfter, elements, hostileText, hrefs, renderGfm, textOf } from '../helpers/gfm.ts';
import { leg, storedRequest } from '../helpers/requests.ts';

/** Every string of a check run that comes from outside the app's own template. */
interface Texts {
  reason: string;
  action: string;
  job: string;
  legName: string;
  unverifiedLegName: string;
  repository: string;
  ref: string;
  sha: string;
  event: string;
  environment: string;
  workflow: string;
  actor: string;
  rerunBy: string;
  voter: string;
  ignored: string;
  ignoredWhy: string;
  policy: string;
  approver: string;
  team: string;
  why: string;
  permission: string;
}
const LOGINS = ['actor', 'rerunBy', 'voter', 'ignored', 'approver', 'team'] as const;

function scene(t: Texts, status: StoredRequest['status']): { r: StoredRequest; votes: StoredVote[] } {
  const r = storedRequest({
    status,
    action: t.action,
    job: t.job,
    reason: t.reason,
    claims: {
      repository: t.repository,
      repository_id: '74',
      repository_owner: 'acme',
      ref: t.ref,
      sha: t.sha,
      event_name: t.event,
      environment: t.environment,
      workflow_ref: `${t.repository}/${t.workflow}@${t.ref}`,
      actor: t.actor,
      triggering_actor: t.rerunBy,
      run_id: '9001',
      run_attempt: '1',
    },
    legs: [leg({ name: t.legName }), leg({ jobId: null, name: t.unverifiedLegName })],
    ignoredVotes: [{ login: t.ignored, reason: t.ignoredWhy, at: 2_000 }],
    decision: {
      outcome: status === 'pending' ? 'pending' : 'approved',
      auto: false,
      policies: [t.policy, 'other'],
      reasons: [{ rule: 'approvals', message: t.why }],
      requirements: [
        {
          policy: t.policy,
          required: 2,
          approved_by: [t.voter],
          remaining: 1,
          approvers: { users: [t.approver, t.voter], teams: [t.team] },
          self_approval: false,
        },
      ],
      token: { permissions: { [t.permission]: 'read' }, ttl_seconds: 600 },
      timeout_seconds: 3600,
    },
  });
  const vote = { requestId: r.id, voterId: 1, decision: 'approve' as const, at: 3_000, teams: [] };
  return { r, votes: [{ ...vote, voterLogin: t.voter }] };
}

/** GitHub's logins (bots' too) and `org/team` names: what a template may @mention. */
const MENTIONABLE = [
  /^[A-Za-z0-9][A-Za-z0-9-]{0,38}(?:\[bot\])?$/,
  /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][\w.-]*$/,
];

/** The same scene with harmless strings; a login stays a valid login, or stays not one. */
function benign(t: Texts): Texts {
  const out = Object.fromEntries(Object.keys(t).map((k) => [k, 'plain'])) as unknown as Texts;
  for (const k of LOGINS) out[k] = MENTIONABLE.some((re) => re.test(t[k])) ? `user-${k}` : 'not a login';
  // A re-run shows two actors; the same person twice shows one.
  if (t.rerunBy.toLowerCase() === t.actor.toLowerCase()) out.rerunBy = out.actor;
  out.repository = 'acme/shop';
  return out;
}

const hostile = hostileText;
const login = fc.oneof(fc.constantFrom('alice', 'Bob-2', 'acme/sre'), hostile);
const texts: fc.Arbitrary<Texts> = fc.record({
  reason: hostile,
  action: hostile,
  job: hostile,
  legName: hostile,
  unverifiedLegName: hostile,
  repository: hostile,
  ref: hostile,
  sha: hostile,
  event: hostile,
  environment: hostile,
  workflow: hostile,
  actor: login,
  rerunBy: login,
  voter: login,
  ignored: login,
  ignoredWhy: hostile,
  policy: hostile,
  approver: login,
  team: login,
  why: hostile,
  permission: hostile,
});

/** Elements of the rendered output, but code spans (a string with `|` is shown as several). */
const structure = (markdown: string): Record<string, number> =>
  elements(renderGfm(markdown), { ignore: ['code'] });

describe('the check run view', () => {
  it('renders hostile strings in every field as text: no element, row or link the template did not make', () => {
    fc.assert(
      fc.property(texts, fc.constantFrom('pending', 'approved'), (t, status) => {
        const shown = scene(t, status);
        const view = checkRunView(shown.r, shown.votes).output;
        const safe = scene(benign(t), status);
        const expected = checkRunView(safe.r, safe.votes).output;
        expect(structure(view.summary)).toEqual(structure(expected.summary));
        expect(structure(view.text!)).toEqual(structure(expected.text!));
        for (const href of [...hrefs(renderGfm(view.summary)), ...hrefs(renderGfm(view.text!))])
          expect(href).toMatch(/^https:\/\/github\.com\//);
        expect(view.title).not.toMatch(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u);
      }),
      { numRuns: 300 },
    );
  });

  it('shows the reason as the step gave it, on one line', () => {
    fc.assert(
      fc.property(hostile, (reason) => {
        const html = renderGfm(checkRunView(storedRequest({ reason }), []).output.summary);
        expect(cellAfter(html, 'Reason')).toBe(asOneLine(reason) || '—');
      }),
      { numRuns: 300 },
    );
  });

  it('a reason cannot add a vote section, a link, an image or HTML (issue 11)', () => {
    const reason =
      'routine\r\r### Votes\r- @alice: approve\r[docs](https://evil.example) ![x](https://evil.example/p.png) <img src=https://evil.example/p.png> www.evil.example';
    const html = renderGfm(checkRunView(storedRequest({ reason }), []).output.summary);
    expect(elements(html)).not.toHaveProperty('h3');
    expect(elements(html)).not.toHaveProperty('li');
    expect(elements(html)).not.toHaveProperty('img');
    expect(hrefs(html).filter((h) => !h.startsWith('https://github.com/acme/shop/'))).toEqual([
      'https://github.com/dana',
    ]);
    expect(textOf(html)).toContain(
      'routine ### Votes - @alice: approve [docs](https://evil.example) ![x](https://evil.example/p.png) <img src=https://evil.example/p.png> www.evil.example',
    );
  });

  it('a step its job gate let through, with no vote of its own, says so in its title', () => {
    const base = storedRequest({ status: 'approved' });
    const message =
      'approved by the job gate of environment production (req_0123, approved by alice): no second vote';
    const r = {
      ...base,
      decision: { ...base.decision, auto: false, reasons: [{ rule: 'governing' as const, message }] },
    };
    expect(checkRunView(r, []).output.title).toBe(
      'Approved by the job gate of environment production: deploy-web',
    );
    const plain = { ...base, decision: { ...base.decision, auto: false, reasons: [] } };
    expect(checkRunView(plain, []).output.title).not.toMatch(/Approved by :/);
  });
});
