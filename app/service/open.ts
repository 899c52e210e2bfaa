import type { Judged, Opening } from '../domain/request.ts';
// Opening a request, for a step (create.ts) and for a job gate (gate.ts): the same record, the
// same notice, the same audit and metrics.
import { randomBytes } from 'node:crypto';
import { planNotice } from '../domain/notice-plan.ts';
import type { Decision } from '../policy/decision.ts';
import type { LoadResult } from '../policy/load.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { ApprovalService } from './approval-service.ts';
import { pullNumber } from '../domain/request.ts';
import { termsOf } from '../domain/terms.ts';

/**
 * Stores the request `decision` decides, with its notice planned when it waits, unless a request
 * with its key exists: then `created` is false and `request` is that one.
 */
export async function openRequest(
  service: ApprovalService,
  base: Judged,
  decision: Decision,
  policies: LoadResult,
  o: Opening,
): Promise<{ request: StoredRequest; created: boolean }> {
  const { claims, installationId } = base;
  const [owner, repo] = claims.repository.split('/') as [string, string];
  const pr = pullNumber(claims);
  const headSha =
    pr === undefined
      ? claims.sha
      : await service.deps.github.pullRequestHead(installationId, owner, repo, pr);
  const governing = policies.ok ? policies.policies.filter((p) => decision.policies.includes(p.name)) : [];
  const notice =
    decision.outcome === 'pending'
      ? planNotice(
          governing,
          pr === undefined ? { kind: 'commit', sha: headSha } : { kind: 'pull', number: pr },
        )
      : null;
  return service.deps.store.createRequest({
    ...base,
    ...o,
    id: `req_${randomBytes(12).toString('hex')}`,
    headSha,
    status: decision.outcome,
    decision,
    terms: decision.outcome === 'pending' ? termsOf(decision) : null,
    checkRunId: null,
    expiresAt: o.createdAt + (decision.timeout_seconds ?? 3600) * 1000,
    decidedAt: decision.outcome === 'pending' ? null : o.createdAt,
    notice,
    ignoredVotes: [],
    version: 0,
  });
}

/**
 * The audit events and metrics of a request just opened: the policies' errors, the `request`
 * event with `data`, and for one decided at once its `decision`. The caller holds its lock.
 */
export async function recordOpened(
  service: ApprovalService,
  r: StoredRequest,
  policies: LoadResult,
  data: Record<string, unknown>,
): Promise<void> {
  if (!policies.ok)
    await service.audit('policy_error', r.id, { repository: r.claims.repository, errors: policies.errors });
  await service.audit('request', r.id, { repository: r.claims.repository, ...data });
  service.deps.metrics.count('jit_requests_total', 'Requests by first outcome.', { outcome: r.status });
  if (r.status !== 'pending') {
    await service.audit('decision', r.id, (await service.decisionEvent(r)).data);
    service.counted(r);
  }
}
