import { ownerOf, repoOf } from '../domain/claims.ts';
import { toApprovalRequest, type DecisionInput } from '../domain/request.ts';
import { bindToTerms, type Terms } from '../domain/terms.ts';
import type { Decision } from '../policy/decision.ts';
import { evaluate } from '../policy/evaluate.ts';
import { formatShortfall, shortfall } from '../policy/permissions.ts';
import type { LoadResult } from '../policy/load.ts';
import { actorsOf, type Membership, type Vote } from '../policy/request.ts';
import { failClosed } from './fail-closed.ts';
import type { Ports } from './ports.ts';
import { readSignals } from './read-signals.ts';
import type { SignalKind, Signals } from '../policy/evidence.ts';

export interface Decided {
  decision: Decision;
  /** The terms to store: the shown ones, narrowed by today's policies. */
  terms: Terms | null;
  policies: LoadResult;
  /** The evidence the decision rests on: what the request held, and what was read for it now. */
  signals: Signals;
}

/**
 * Decides under today's policies (read from the default branch, cached), held to the terms the
 * request showed when it was first shown (`terms`: a policy change may narrow them, never widen
 * them). Policy files that do not load deny.
 */
export async function decideUnderPolicies(
  p: Pick<Ports, 'github' | 'now' | 'ledger' | 'metrics'>,
  r: DecisionInput & { createdAt?: number },
  votes: readonly Vote[],
  membership: Membership,
  fresh: readonly SignalKind[] = [],
): Promise<Decided> {
  const [owner, repo] = repoOf(r.claims);
  const policies = await p.github.loadPolicies(r.installationId, owner, repo, ownerOf(r.claims).id);
  const have = r.signals ?? {};
  if (!policies.ok) return { decision: failClosed(policies), terms: r.terms, policies, signals: have };
  const waited = r.createdAt === undefined ? 0 : Math.max(0, Math.floor((p.now() - r.createdAt) / 1000));
  const request = { ...toApprovalRequest(r), waited_seconds: waited };
  const signals = await readSignals(p, r, policies.policies, request, have, fresh);
  const now = evaluate(policies.policies, request, votes, membership, p.now(), signals);
  const bound = bindToTerms(r.terms, now, votes, membership, actorsOf(request), waited);
  return { ...bound, decision: await withinInstallation(p, owner, repo, bound.decision), policies, signals };
}

/**
 * A decision whose token the app's installation cannot mint (its policies grant more than the
 * installation holds) is denied now, before anyone is asked, saying what to grant where: never an
 * approval that fails at the mint after a person approved.
 */
async function withinInstallation(
  p: Pick<Ports, 'github'>,
  owner: string,
  repo: string,
  decision: Decision,
): Promise<Decision> {
  if (decision.outcome === 'denied' || !decision.token) return decision;
  const missing = shortfall(decision.token.permissions, await p.github.installationPermissions(owner, repo));
  if (missing.length === 0) return decision;
  const message =
    `the token these policies grant needs ${formatShortfall(missing)}, more than the app's installation on ${owner} holds, so the request is denied before anyone is asked: ` +
    `an owner of ${owner} grants it in the app's settings (the app's permissions, then accepting them on the installation), or the policies grant less (token.permissions)`;
  return {
    ...decision,
    outcome: 'denied',
    auto: true,
    reasons: [...decision.reasons, { rule: 'token', message }],
    token: null,
  };
}

/** Keeps the evidence a decision read with the request (so that it is read once), when there is any. */
export function keepSignals(r: { signals?: Signals }, signals: Signals): void {
  if (Object.keys(signals).length > 0) r.signals = signals;
}
