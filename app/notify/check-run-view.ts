import { grantedBy } from '../domain/break-glass.ts';
import type { CheckRunInput } from '../github/port.ts';
import { formatWitness, type AuditWitness } from '../audit/witness.ts';
import type { EvidenceUsed, Requirement } from '../policy/decision.ts';
import { formatDuration } from '../policy/duration.ts';
import { formatPermissions } from '../policy/permissions.ts';
import { inertCode, inertText, mention } from '../render/markdown.ts';
import { inertPlain } from '../render/plain.ts';
import { workflowShown } from '../domain/claims.ts';
import type { Leg } from '../domain/leg.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { StoredVote } from '../domain/vote.ts';

const BUTTONS: CheckRunInput['actions'] = [
  { label: 'Approve', identifier: 'approve', description: 'Approve this request' },
  { label: 'Deny', identifier: 'deny', description: 'Deny this request' },
];

const CONCLUSION: Record<StoredRequest['status'], CheckRunInput['conclusion']> = {
  pending: 'action_required',
  approved: 'success',
  denied: 'failure',
  timed_out: 'timed_out',
  cancelled: 'cancelled',
};

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** A path segment of a link: nothing in it can end the link or leave the path. */
const segment = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function title(r: StoredRequest, votes: readonly StoredVote[]): string {
  return `${r.decision.break_glass ? 'BREAK-GLASS: ' : ''}${plainTitle(r, votes)}`;
}

function plainTitle(r: StoredRequest, votes: readonly StoredVote[]): string {
  const approvers = votes.filter((v) => v.decision === 'approve').map((v) => v.voterLogin);
  switch (r.status) {
    case 'pending': {
      if (r.decision.awaiting)
        return `Waiting for checks (${r.decision.awaiting.checks.join(', ')}): ${r.action}`;
      const remaining = r.decision.requirements.reduce((n, q) => n + q.remaining, 0);
      return `Waiting for ${remaining} approval${remaining === 1 ? '' : 's'}: ${r.action}`;
    }
    case 'approved':
      if (r.decision.auto)
        return `Approved automatically: ${r.action}${r.decision.evidence ? ` (${evidenceLine(r.decision.evidence)})` : ''}`;
      if (approvers.length > 0) return `Approved by ${approvers.join(', ')}: ${r.action}`;
      // No vote of its own: a step that its job's gate let through (service/gate.ts says so).
      return r.decision.reasons.some((x) => x.message.startsWith('approved by the job gate'))
        ? `Approved by the job gate of environment ${r.claims.environment ?? ''}: ${r.action}`
        : `Approved: ${r.action}`;
    case 'denied': {
      const deniers = votes.filter((v) => v.decision === 'deny').map((v) => v.voterLogin);
      return deniers.length > 0 ? `Denied by ${deniers.join(', ')}: ${r.action}` : `Denied: ${r.action}`;
    }
    case 'timed_out':
      return `Timed out waiting for approval: ${r.action}`;
    case 'cancelled':
      return `Cancelled: ${r.action}`;
  }
}

/** The evidence automatic approvals rested on, in one line: "CI green (build); PR #41 approved by @a". */
const evidenceLine = (used: readonly EvidenceUsed[]): string =>
  [...new Set(used.flatMap((u) => u.signals.map((x) => x.value)))].join('; ');

/** Who a requirement still waits for (while approvals remain), else its approvers. */
const whoOf = (q: Requirement): string[] => {
  const who = q.remaining > 0 && q.waiting_for ? q.waiting_for : q.approvers;
  return [...who.users, ...who.teams];
};

/**
 * The check run reviewers see: who asks for what, where, under which policy, and who may decide.
 * Every string from outside the template (the step's, the token's, GitHub's, the policies') goes
 * through the renderer of untrusted text (`app/render/`); a final request shows its audit witness.
 */
export function checkRunView(
  r: StoredRequest,
  votes: readonly StoredVote[],
  serverUrl = 'https://github.com',
  witness?: AuditWitness,
  pageUrl?: string,
): CheckRunInput {
  const page = pageUrl ? `${pageUrl}/requests/${r.id}` : undefined;
  const c = r.claims;
  const repo = `${serverUrl}/${c.repository.split('/').map(segment).join('/')}`;
  const run = `${repo}/actions/runs/${segment(c.run_id)}/attempts/${segment(c.run_attempt)}`;
  const rerun = c.triggering_actor && c.triggering_actor.toLowerCase() !== c.actor.toLowerCase();
  const actors = rerun ? [c.actor, c.triggering_actor!] : [c.actor];
  const jobLink = (l: Leg): string =>
    l.jobId === null
      ? `${inertCode(l.name)} (unverified: no job id)`
      : `[${inertText(l.name)}](${repo}/actions/runs/${segment(c.run_id)}/job/${l.jobId})`;
  const rows: [string, string][] = [
    [
      'Requested by',
      rerun ? `${mention(c.actor)} (re-run by ${mention(c.triggering_actor!)})` : mention(c.actor),
    ],
    ['Action', inertCode(r.action)],
    ['Repository', inertText(c.repository)],
    ['Ref', inertCode(c.ref)],
    ['Commit', inertCode(c.sha)],
    [
      'Workflow',
      `[${inertText(workflowShown(c))}](${run}) (${r.gate ? 'job gate' : `job ${inertCode(r.job)}`}, event ${inertCode(c.event_name)})`,
    ],
    r.gate
      ? ['Jobs', `those of the run waiting on ${inertText(r.gate.environment)}, before they get a runner`]
      : [r.legs.length === 1 ? 'Job' : `Jobs (${r.legs.length})`, r.legs.map(jobLink).join(', ')],
    ['Environment', (c.environment && inertText(c.environment)) || '—'],
    ['Reason', (r.reason && inertText(r.reason)) || '—'],
    ['Policies', r.decision.policies.map(inertText).join(', ') || '—'],
    [
      'Token',
      r.decision.token
        ? `${inertText(formatPermissions(r.decision.token.permissions))} for ${formatDuration(r.decision.token.ttl_seconds)}`
        : 'none',
    ],
    ['Expires', iso(r.expiresAt)],
    ...(r.decision.break_glass
      ? [
          [
            '**BREAK-GLASS**',
            `an emergency override of ${r.decision.break_glass.policies.map(inertText).join(', ')} (freeze or windows)${
              r.status === 'approved' ? `, granted by ${grantedBy(r, votes).map(mention).join(', ')}` : ''
            }; reason above`,
          ] as [string, string],
        ]
      : []),
  ];
  const requirements = r.decision.requirements.map(
    (q) =>
      `- **${inertText(q.policy) || '—'}**: ${q.approved_by.length} of ${q.required} approvals${q.approved_by.length ? ` (${q.approved_by.map(mention).join(', ')})` : ''}; ` +
      `${q.remaining > 0 ? `${q.remaining} more from` : 'approvers:'} ${whoOf(q).map(mention).join(', ')}` +
      `${q.self_approval ? '' : ` (not ${actors.map(mention).join(' or ')})`}`,
  );
  const summary = [
    `| | |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}`,
    r.decision.evidence
      ? `### Evidence\n${r.decision.evidence.flatMap((u) => u.signals.map((x) => `- **${inertText(u.policy)}** (auto_approve[${u.entry}]) ${x.kind}: ${inertText(x.value)}`)).join('\n')}`
      : '',
    r.decision.awaiting
      ? `### Waiting for checks\nApproved automatically if ${r.decision.awaiting.checks.map((c) => inertText(c)).join(', ')} pass; the approvers are asked if one fails or they run past ${formatDuration(r.decision.awaiting.until_seconds)}.`
      : '',
    requirements.length > 0 && !r.decision.awaiting ? `### Who may approve\n${requirements.join('\n')}` : '',
    r.status === 'pending'
      ? `Click **Approve** or **Deny** above${page ? `, or decide on [the approval page](${page})` : ''}. Only eligible approvers count; other clicks are recorded and ignored.`
      : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  const text = [
    `### Why\n${r.decision.reasons.map((x) => `- ${inertText(x.message)}`).join('\n')}`,
    witness ? `### Audit\n${inertCode(formatWitness(witness))}` : '',
    votes.length > 0
      ? `### Votes\n${votes.map((v) => `- ${mention(v.voterLogin)}: ${v.decision} at ${iso(v.at)}${v.comment ? ` — ${inertText(v.comment)}` : ''}`).join('\n')}`
      : '',
    r.ignoredVotes.length > 0
      ? `### Ignored clicks${(r.ignoredTotal ?? 0) > r.ignoredVotes.length ? ` (${r.ignoredTotal} in all; the newest ${r.ignoredVotes.length})` : ''}\n${r.ignoredVotes.map((v) => `- ${mention(v.login)} at ${iso(v.at)}: ${inertText(v.reason)}`).join('\n')}`
      : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  return {
    name: inertPlain(`approval: ${r.action}`).slice(0, 100),
    status: 'completed',
    conclusion: CONCLUSION[r.status],
    external_id: r.id,
    details_url: page ?? run,
    output: {
      title: inertPlain(title(r, votes)).slice(0, 255),
      summary: summary.slice(0, 65_000),
      text: text.slice(0, 65_000),
    },
    actions: r.status === 'pending' ? BUTTONS : [],
  };
}
