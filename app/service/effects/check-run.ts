import { auditWitness } from '../../audit/witness.ts';
import { repoOf } from '../../domain/claims.ts';
import type { Effect } from '../../domain/effects.ts';
import type { StoredRequest } from '../../domain/request.ts';
import type { CheckRunInput } from '../../github/port.ts';
import { checkRunView } from '../../notify/check-run-view.ts';
import type { Ports } from '../ports.ts';

/**
 * The check run of a request as reviewers should see it now; a decided one shows the witness of the
 * audit chain after its last event (saved before this is read), kept outside the database.
 */
export async function checkRunOf(
  p: Pick<Ports, 'ledger' | 'links'>,
  r: StoredRequest,
): Promise<CheckRunInput> {
  const votes = await p.ledger.votes(r.id);
  const witness = r.status === 'pending' ? undefined : await auditWitness(p.ledger, r.id);
  return checkRunView(r, votes, p.links.serverUrl, witness, p.links.pageUrl);
}

/**
 * Effect `check_run`: makes the request's check run, or brings it up to date with what is stored.
 * A try whose outcome is unknown (the app stopped, or GitHub did not answer) may have made one:
 * it is looked for by the request's id (`external_id`) before another is made, and brought up to date.
 */
export async function doCheckRun(p: Pick<Ports, 'ledger' | 'links' | 'github'>, e: Effect): Promise<void> {
  const r = await p.ledger.read(e.requestId!);
  const [owner, repo] = repoOf(r.claims);
  if (r.checkRunId !== null) {
    const lane = e.lane === 'low' ? { lane: 'low' as const } : {};
    await p.github.updateCheckRun(r.installationId, owner, repo, r.checkRunId, await checkRunOf(p, r), lane);
    return;
  }
  const found =
    e.attempts > 1 ? await p.github.findCheckRun(r.installationId, owner, repo, r.headSha, r.id) : null;
  // The one found shows the request as it was then: brought up to date (a vote may have decided it).
  if (found) await p.github.updateCheckRun(r.installationId, owner, repo, found.id, await checkRunOf(p, r));
  const made =
    found ??
    (await p.github.createCheckRun(r.installationId, owner, repo, r.headSha, await checkRunOf(p, r)));
  await p.ledger.update(r.id, (fresh) => {
    if (fresh.checkRunId !== null) return null;
    fresh.checkRunId = made.id;
    fresh.shownAt = made.startedAt;
    return {};
  });
}
