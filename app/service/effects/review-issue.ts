import { grantedBy } from '../../domain/break-glass.ts';
import { repoOf } from '../../domain/claims.ts';
import type { Effect } from '../../domain/effects.ts';
import { inertCode, inertText } from '../../render/markdown.ts';
import { inertPlain } from '../../render/plain.ts';
import type { Ports } from '../ports.ts';

/** The marker of a review issue (the request's own issue, if any, carries another). */
const reviewMarker = (id: string): string => `<!-- jit-approvals break-glass review ${id} -->`;

/**
 * Effect `review_issue`: the post-incident review of a break-glass override, an issue labelled
 * `break-glass` left open until a person closes it; its number is recorded (`break_glass_review`).
 * A try whose outcome is unknown may have opened it: it is looked for by the request's marker first.
 */
export async function doReviewIssue(p: Pick<Ports, 'ledger' | 'github' | 'links'>, e: Effect): Promise<void> {
  const r = await p.ledger.read(e.requestId!);
  if (r.breakGlassIssue !== null) return;
  const [owner, repo] = repoOf(r.claims);
  const c = r.claims;
  const granted = grantedBy(r, await p.ledger.votes(r.id));
  const run = `${p.links.serverUrl}/${c.repository}/actions/runs/${c.run_id}/attempts/${c.run_attempt}`;
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
    '',
    reviewMarker(r.id),
  ].join('\n');
  const issue =
    (e.attempts > 1 ? await p.github.findIssue(r.installationId, owner, repo, reviewMarker(r.id)) : null) ??
    (await p.github.openIssue(r.installationId, owner, repo, {
      title: `Break-glass: ${inertPlain(r.action)} (${r.id})`,
      body,
      assignees: [],
      labels: ['break-glass'],
    }));
  await p.ledger.update(r.id, (fresh) => {
    if (fresh.breakGlassIssue !== null) return null;
    fresh.breakGlassIssue = issue;
    return { audit: [{ type: 'break_glass_review', data: { issue } }] };
  });
}
