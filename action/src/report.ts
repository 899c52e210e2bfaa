import type { RequestView } from '../../app/api/contract.ts';

const remainingOf = (r: RequestView): number => r.decision.requirements.reduce((n, q) => n + q.remaining, 0);

/** One line for what changed: the decision, or who must still approve and how many. */
export function progressLine(r: RequestView, now: number): string {
  const left = Math.max(0, Math.round((Date.parse(r.expires_at) - now) / 60_000));
  if (r.status !== 'pending') return `Request ${r.id}: ${r.status.replace('_', ' ')}`;
  const who = r.decision.requirements
    .filter((q) => q.remaining > 0)
    .map(
      (q) =>
        `${q.remaining} from ${[...q.approvers.users.map((u) => `@${u}`), ...q.approvers.teams.map((t) => `@${t}`)].join(', ')} (${q.policy})`,
    )
    .join('; ');
  const link = r.check_run_url ? ` Approve or deny at ${r.check_run_url}.` : '';
  return `Waiting for ${remainingOf(r)} approval(s): ${who}.${link} ${left} min left.`;
}

/** The key of what a log line says, so an unchanged state prints nothing. */
export const stateKey = (r: RequestView): string =>
  `${r.status}:${r.decision.requirements.map((q) => q.remaining).join(',')}`;

/** Why a request ended as it did, for the failure message. */
export function why(r: RequestView): string {
  const reasons = r.decision.reasons
    .filter((x) => x.rule !== 'governing' && x.rule !== 'token')
    .map((x) => x.message);
  return reasons.join('; ') || r.status;
}
