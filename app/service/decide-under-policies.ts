import { ownerOf, repoOf } from '../domain/claims.ts';
import { toApprovalRequest, type DecisionInput } from '../domain/request.ts';
import { bindToTerms, type Terms } from '../domain/terms.ts';
import type { Decision } from '../policy/decision.ts';
import { evaluate } from '../policy/evaluate.ts';
import type { LoadResult } from '../policy/load.ts';
import { actorsOf, type Membership, type Vote } from '../policy/request.ts';
import { failClosed } from './fail-closed.ts';
import type { Ports } from './ports.ts';

export interface Decided {
  decision: Decision;
  /** The terms to store: the shown ones, narrowed by today's policies. */
  terms: Terms | null;
  policies: LoadResult;
}

/**
 * Decides under today's policies (read from the default branch, cached), held to the terms the
 * request showed when it was first shown (`terms`: a policy change may narrow them, never widen
 * them). Policy files that do not load deny.
 */
export async function decideUnderPolicies(
  p: Pick<Ports, 'github' | 'now'>,
  r: DecisionInput & { createdAt?: number },
  votes: readonly Vote[],
  membership: Membership,
): Promise<Decided> {
  const [owner, repo] = repoOf(r.claims);
  const policies = await p.github.loadPolicies(r.installationId, owner, repo, ownerOf(r.claims).id);
  if (!policies.ok) return { decision: failClosed(policies), terms: r.terms, policies };
  const waited = r.createdAt === undefined ? 0 : Math.max(0, Math.floor((p.now() - r.createdAt) / 1000));
  const request = { ...toApprovalRequest(r), waited_seconds: waited };
  const now = evaluate(policies.policies, request, votes, membership, p.now());
  return { ...bindToTerms(r.terms, now, votes, membership, actorsOf(request), waited), policies };
}
