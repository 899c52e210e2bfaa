import { grantedBy } from '../domain/break-glass.ts';
import { inertCode, inertText } from '../render/markdown.ts';
import { inertPlain } from '../render/plain.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { ApprovalService } from './approval-service.ts';

/**
 * Opens the post-incident review of an override: an issue labelled `break-glass` in the repository,
 * left open until a person closes it, and records its number. The caller holds the request's lock.
 * A failure is logged; `openDueReviews` tries again until GitHub takes it.
 */
export async function openReview(service: ApprovalService, r: StoredRequest): Promise<void> {
  if (r.breakGlassIssue !== null) return;
  const [owner, repo] = r.claims.repository.split('/') as [string, string];
  const c = r.claims;
  const granted = grantedBy(r, await service.deps.store.votes(r.id));
  const run = `${service.deps.serverUrl}/${c.repository}/actions/runs/${c.run_id}/attempts/${c.run_attempt}`;
  const body = [
    `An emergency override (break-glass) let ${inertCode(r.action)} run despite ${r.decision.break_glass!.policies.map(inertCode).join(', ')}.`,
    '',
    `- Asked by: ${inertText(c.actor)}${c.triggering_actor && c.triggering_actor !== c.actor ? ` (re-run by ${inertText(c.triggering_actor)})` : ''}`,
    `- Granted by: ${granted.map(inertText).join(', ')}`,
    `- Reason: ${inertText(r.reason ?? '')}`,
    `- Run: ${run}`,
    `- Request: ${r.id}`,
    '',
    'Review what happened, then close this issue.',
  ].join('\n');
  try {
    r.breakGlassIssue = await service.deps.github.openIssue(r.installationId, owner, repo, {
      title: `Break-glass: ${inertPlain(r.action)} (${r.id})`,
      body,
      assignees: [],
      labels: ['break-glass'],
    });
  } catch (err) {
    service.deps.log.error(
      { err, request: r.id },
      'the break-glass review issue was not opened; trying again later',
    );
    return;
  }
  await service.save(r, [{ type: 'break_glass_review', data: { issue: r.breakGlassIssue } }]);
}

/** The sweep's pass: opens the review issues GitHub has not taken yet, one request at a time. */
export async function openDueReviews(service: ApprovalService): Promise<void> {
  for (const due of await service.deps.store.dueBreakGlassReviews(20)) {
    await service.locks.run(due.id, async () => {
      const r = await service.deps.store.getRequest(due.id);
      if (r) await openReview(service, r);
    });
  }
}
