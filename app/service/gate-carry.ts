import type { DecisionInput, StoredRequest } from '../domain/request.ts';
import type { Decision } from '../policy/decision.ts';
import { approvalHolds } from './approval-holds.ts';
import type { Ports } from './ports.ts';

/**
 * A step's pending decision approved by its job's gate: the gate of the same run attempt and
 * environment was approved by people's votes (an `auto_approve` for `job-gate` says nothing about
 * steps), its approval has not expired, every policy governing the step governed the gate too (so
 * the same approvers decided), and the gate's votes still approve the step under today's policies,
 * as a joining leg's would (an approver removed since, or `required` raised, carries nothing over).
 * Null when no gate carries over, and for an emergency (break-glass) decision: its override is for
 * its break-glass approvers to grant, and a gate approved before the freeze or outside the windows
 * says nothing about it.
 */
export async function carriedByGate(
  p: Pick<Ports, 'ledger' | 'github' | 'now' | 'metrics'>,
  step: DecisionInput,
  decision: Decision,
  ofRun?: StoredRequest[],
): Promise<{ decision: Decision; gate: StoredRequest } | null> {
  const { claims } = step;
  const env = claims.environment?.toLowerCase();
  if (!env || decision.outcome !== 'pending' || decision.policies.length === 0) return null;
  if (decision.break_glass) return null;
  const now = p.now();
  const gate = (
    ofRun ?? (await p.ledger.find.requestsForRun(claims.repository_id, claims.run_id, claims.run_attempt))
  ).find(
    (r) =>
      r.gate?.environment.toLowerCase() === env &&
      r.status === 'approved' &&
      !r.decision.auto && // people approved the gate: an automatic approval carries nothing over
      now < r.expiresAt &&
      decision.policies.every((x) => r.decision.policies.includes(x)),
  );
  if (!gate) return null;
  const votes = await p.ledger.votes(gate.id);
  const held = await approvalHolds(p, step, gate.decision, votes);
  if (!held.holds) return null;
  const by = votes.filter((v) => v.decision === 'approve').map((v) => v.voterLogin);
  const message = `approved by the job gate of environment ${gate.gate!.environment} (${gate.id}, approved by ${by.join(', ')}): no second vote`;
  return {
    gate,
    decision: { ...held.decision, reasons: [...held.decision.reasons, { rule: 'governing', message }] },
  };
}
