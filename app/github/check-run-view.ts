import type { CheckRunInput } from './port.ts';
import { formatDuration } from '../policy/duration.ts';
import { formatPermissions } from '../policy/permissions.ts';
import { workflowPath, type StoredRequest, type StoredVote } from '../store/types.ts';

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
const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function title(r: StoredRequest, votes: readonly StoredVote[]): string {
  const approvers = votes.filter((v) => v.decision === 'approve').map((v) => v.voterLogin);
  switch (r.status) {
    case 'pending': {
      const remaining = r.decision.requirements.reduce((n, q) => n + q.remaining, 0);
      return `Waiting for ${remaining} approval${remaining === 1 ? '' : 's'}: ${r.action}`;
    }
    case 'approved':
      return r.decision.auto
        ? `Approved automatically: ${r.action}`
        : `Approved by ${approvers.join(', ')}: ${r.action}`;
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

/** The check run reviewers see: who asks for what, where, under which policy, and who may decide. */
export function checkRunView(
  r: StoredRequest,
  votes: readonly StoredVote[],
  serverUrl = 'https://github.com',
): CheckRunInput {
  const c = r.claims;
  const run = `${serverUrl}/${c.repository}/actions/runs/${c.run_id}/attempts/${c.run_attempt}`;
  const rows: [string, string][] = [
    ['Requested by', `@${c.actor}`],
    ['Action', `\`${r.action}\``],
    ['Repository', c.repository],
    ['Ref', `\`${c.ref}\``],
    ['Commit', `\`${c.sha}\``],
    ['Workflow', `[${workflowPath(c.workflow_ref)}](${run}) (job \`${r.job}\`, event \`${c.event_name}\`)`],
    ['Environment', c.environment ?? '—'],
    ['Reason', r.reason ? cell(r.reason) : '—'],
    ['Policies', r.decision.policies.join(', ') || '—'],
    [
      'Token',
      r.decision.token
        ? `${formatPermissions(r.decision.token.permissions)} for ${formatDuration(r.decision.token.ttl_seconds)}`
        : 'none',
    ],
    ['Expires', iso(r.expiresAt)],
  ];
  const requirements = r.decision.requirements.map(
    (q) =>
      `- **${q.policy}**: ${q.approved_by.length} of ${q.required} approvals${q.approved_by.length ? ` (${q.approved_by.map((l) => `@${l}`).join(', ')})` : ''}; ` +
      `${q.remaining > 0 ? `${q.remaining} more from` : 'approvers:'} ${[...q.approvers.users.map((u) => `@${u}`), ...q.approvers.teams.map((t) => `@${t}`)].join(', ')}` +
      `${q.self_approval ? '' : ` (not @${c.actor})`}`,
  );
  const summary = [
    `| | |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${cell(v)} |`).join('\n')}`,
    requirements.length > 0 ? `### Who may approve\n${requirements.join('\n')}` : '',
    r.status === 'pending'
      ? 'Click **Approve** or **Deny** above. Only eligible approvers count; other clicks are recorded and ignored.'
      : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  const text = [
    `### Why\n${r.decision.reasons.map((x) => `- ${x.message}`).join('\n')}`,
    votes.length > 0
      ? `### Votes\n${votes.map((v) => `- @${v.voterLogin}: ${v.decision} at ${iso(v.at)}`).join('\n')}`
      : '',
    r.ignoredVotes.length > 0
      ? `### Ignored clicks\n${r.ignoredVotes.map((v) => `- @${v.login} at ${iso(v.at)}: ${v.reason}`).join('\n')}`
      : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  return {
    name: `approval: ${r.action}`.slice(0, 100),
    status: 'completed',
    conclusion: CONCLUSION[r.status],
    external_id: r.id,
    details_url: run,
    output: {
      title: title(r, votes).slice(0, 255),
      summary: summary.slice(0, 65_000),
      text: text.slice(0, 65_000),
    },
    actions: r.status === 'pending' ? BUTTONS : [],
  };
}
