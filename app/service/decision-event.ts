import type { StoredRequest } from '../domain/request.ts';
import type { Ledger } from './ledger.ts';

/** The audit event of a final decision: its outcome, policies, who approved or denied, and why. */
export async function decisionEvent(
  ledger: Pick<Ledger, 'votes'>,
  r: StoredRequest,
): Promise<{ type: string; data: Record<string, unknown> }> {
  const votes = await ledger.votes(r.id);
  return {
    type: 'decision',
    data: {
      status: r.status,
      auto: r.decision.auto,
      policies: r.decision.policies,
      approved_by: votes.filter((v) => v.decision === 'approve').map((v) => v.voterLogin),
      denied_by: votes.filter((v) => v.decision === 'deny').map((v) => v.voterLogin),
      reasons: r.decision.reasons.map((x) => x.message),
      // Why no human looked: each piece of evidence an automatic approval rested on, with its value.
      ...(r.decision.evidence && { evidence: r.decision.evidence }),
    },
  };
}
