import { ownerOf, repoOf } from '../domain/claims.ts';
import { toApprovalRequest, type StoredRequest } from '../domain/request.ts';
import type { Ports } from './ports.ts';

/** Teams whose members may vote on `r`: today's governing policies' and the shown terms'. */
export async function votingTeams(p: Pick<Ports, 'github'>, r: StoredRequest): Promise<string[]> {
  const [owner, repo] = repoOf(r.claims);
  const policies = await p.github.loadPolicies(r.installationId, owner, repo, ownerOf(r.claims).id);
  const request = toApprovalRequest(r);
  const now = policies.ok
    ? policies.policies.flatMap((x) =>
        x.match(request)
          ? [
              ...x.teams,
              ...x.escalations.flatMap((e) => e.teams),
              ...(request.emergency ? (x.breakGlass?.teams ?? []) : []),
            ]
          : [],
      )
    : [];
  const shown =
    r.terms?.requirements.flatMap((q) => [...q.teams, ...(q.escalate ?? []).flatMap((e) => e.teams)]) ?? [];
  return [...new Set([...now, ...shown])];
}
