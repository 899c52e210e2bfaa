import type { DecisionInput } from '../domain/request.ts';
import { asVotes, recordedMembership, type StoredVote } from '../domain/vote.ts';
import type { Decision } from '../policy/decision.ts';
import { decideUnderPolicies } from './decide-under-policies.ts';
import type { Ports } from './ports.ts';

/**
 * Whether an approval given earlier still approves `r` now: under today's policies (a freeze, an
 * approver removed, `required` raised), with the votes that gave it (`votes`, and the team
 * membership recorded with them). `was` is the earlier approval's decision: an override is granted
 * by a decision that shows it (break_glass event, issue, metric), so an approval given before a
 * freeze or outside windows never stands in for one. The one check for a leg that joins an
 * approved request, a step that a job gate's approval would carry, a job that joins an approved
 * gate, and a gate's approval sent late.
 */
export async function approvalHolds(
  p: Pick<Ports, 'github' | 'now' | 'ledger' | 'metrics'>,
  r: DecisionInput & { createdAt?: number },
  was: Decision,
  votes: readonly StoredVote[],
): Promise<{ holds: true; decision: Decision } | { holds: false; why: string }> {
  const { decision } = await decideUnderPolicies(p, r, asVotes(votes), recordedMembership(votes));
  const unGranted = decision.break_glass && !was.break_glass;
  if (decision.outcome === 'approved' && !unGranted) return { holds: true, decision };
  return {
    holds: false,
    why: unGranted
      ? 'a freeze or windows deny it now, and no break-glass override was granted for it'
      : (decision.reasons.filter((x) => x.rule !== 'governing').at(-1)?.message ?? decision.outcome),
  };
}
