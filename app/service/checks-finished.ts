// Requests that wait on their commit's running checks (auto_approve `checks`), decided again when the
// checks finish (a check_run, check_suite or status webhook) or when `checks_timeout` passes.
import { termsOf } from '../domain/terms.ts';
import { asVotes, recordedMembership } from '../domain/vote.ts';
import { AppError } from '../errors.ts';
import type { SignalKind } from '../policy/evidence.ts';
import { decideUnderPolicies, keepSignals } from './decide-under-policies.ts';
import { finalize } from './finalize.ts';
import { announcement, reshown } from './open.ts';
import type { Ports } from './ports.ts';

type CheckPorts = Pick<Ports, 'ledger' | 'github' | 'now' | 'metrics' | 'log'>;

/** Checks on commit `sha` of the repository finished: the requests waiting on them are decided again. */
export async function checksFinished(p: CheckPorts, repositoryId: string, sha: string): Promise<void> {
  for (const waiting of await p.ledger.find.awaitingChecks(repositoryId, sha))
    await redecide(p, waiting.id, ['checks']);
}

/** Requests whose `checks_timeout` passed while checks still ran: their approvers are asked now. */
export async function checksOverdue(p: CheckPorts): Promise<void> {
  for (const r of await p.ledger.find.pendingRequests()) {
    const until = r.decision.awaiting?.until_seconds;
    if (until !== undefined && p.now() - r.createdAt >= until * 1000)
      await redecide(p, r.id, []).catch((err: unknown) => {
        if (!(err instanceof AppError && err.code === 'conflict'))
          p.log.error({ err, request: r.id }, 'deciding a request whose checks took too long failed');
      });
  }
}

/**
 * Decides a request waiting on checks again, reading `fresh` evidence anew: approved when the
 * checks passed; its approvers asked (its comment and chat, terms fixed) when one failed or the
 * wait ran out; still waiting otherwise (its check run shows which still run).
 */
async function redecide(p: CheckPorts, id: string, fresh: readonly SignalKind[]): Promise<void> {
  await p.ledger.locked(id, async () => {
    const r = await p.ledger.read(id);
    if (r.status !== 'pending' || !r.decision.awaiting) return;
    const votes = await p.ledger.votes(r.id);
    const next = await decideUnderPolicies(p, r, asVotes(votes), recordedMembership(votes), fresh);
    keepSignals(r, next.signals);
    const { decision } = next;
    if (decision.outcome !== 'pending') {
      await finalize(p, r, decision.outcome, decision);
      return;
    }
    r.decision = decision;
    if (decision.awaiting) {
      await p.ledger.save(r, { effects: reshown(r) });
      return;
    }
    r.terms = termsOf(decision);
    const why = decision.reasons.filter((x) => x.rule === 'evidence').map((x) => x.message);
    await p.ledger.save(r, {
      audit: [{ type: 'evidence', data: { asked_approvers: true, reasons: why } }],
      effects: announcement(r),
    });
  });
}
