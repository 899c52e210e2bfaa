import type { Decision } from '../policy/decision.ts';
import { formatDuration } from '../policy/duration.ts';
import { formatPermissions } from '../policy/permissions.ts';

/** A decision for people: the outcome first, then why, what is still needed and what it grants. */
export function renderDecision(d: Decision): string {
  const lines = [`${d.outcome.toUpperCase()}${d.auto ? ' (automatic)' : ''}`];
  if (d.break_glass)
    lines.push(
      `  BREAK-GLASS: an emergency request overrides the freeze and windows of ${d.break_glass.policies.join(', ')}`,
    );
  lines.push(`  policies: ${d.policies.length > 0 ? d.policies.join(', ') : '(none)'}`);
  lines.push('  because:');
  for (const r of d.reasons) lines.push(`    - ${r.message}`);
  if (d.evidence) {
    lines.push('  evidence:');
    for (const u of d.evidence)
      for (const x of u.signals)
        lines.push(`    - ${u.policy} (auto_approve[${u.entry}]) ${x.kind}: ${x.value}`);
  }
  if (d.awaiting)
    lines.push(
      `  waiting for checks: ${d.awaiting.checks.join(', ')} (the approvers are asked after ${formatDuration(d.awaiting.until_seconds)})`,
    );
  if (d.requirements.length > 0) {
    lines.push('  requirements:');
    for (const r of d.requirements) {
      const state = r.remaining === 0 ? 'met' : `${r.remaining} more needed`;
      const who = [...r.approvers.users, ...r.approvers.teams.map((t) => `@${t}`)].join(', ');
      lines.push(
        `    - ${r.policy}: ${r.approved_by.length}/${r.required} (${state}); approvers: ${who || '(none)'}`,
      );
    }
  }
  if (d.token)
    lines.push(
      `  token: ${formatPermissions(d.token.permissions)}, expires after ${formatDuration(d.token.ttl_seconds)}`,
    );
  else lines.push('  token: none');
  if (d.timeout_seconds !== null) lines.push(`  timeout: ${formatDuration(d.timeout_seconds)}`);
  if (d.next_window) lines.push(`  next window: ${d.next_window}`);
  return lines.join('\n');
}
