import type { StoredRequest } from './request.ts';
import type { StoredVote } from './vote.ts';

/** Whether a decided request was approved through an emergency override (`break_glass`). */
export const brokeGlass = (r: Pick<StoredRequest, 'status' | 'decision'>): boolean =>
  r.status === 'approved' && (r.decision.break_glass?.policies.length ?? 0) > 0;

/**
 * Who granted the override: the approvers counted for the overridden policies' requirements (not
 * whoever approved the other governing policies' requirements), in the order they voted.
 */
export function grantedBy(r: Pick<StoredRequest, 'decision'>, votes: readonly StoredVote[]): string[] {
  const overridden = new Set(r.decision.break_glass?.policies ?? []);
  const counted = new Set(
    r.decision.requirements
      .filter((q) => overridden.has(q.policy))
      .flatMap((q) => q.approved_by.map((l) => l.toLowerCase())),
  );
  return votes
    .filter((v) => v.decision === 'approve' && counted.has(v.voterLogin.toLowerCase()))
    .map((v) => v.voterLogin);
}

/** The `break_glass` audit event of a request approved through an override: what, why, who granted it. */
export function breakGlassEvent(
  r: StoredRequest,
  votes: readonly StoredVote[],
): { type: string; data: Record<string, unknown> } {
  return {
    type: 'break_glass',
    data: {
      policies: r.decision.break_glass!.policies,
      reason: r.reason,
      actor: r.claims.actor,
      granted_by: grantedBy(r, votes),
    },
  };
}
