// Requests that wait on their commit's running checks (auto_approve `checks`), decided again when the
// checks finish (a check_run, check_suite or status webhook) or when `checks_timeout` passes.
import { termsOf } from '../domain/terms.ts';
import { asVotes, recordedMembership } from '../domain/vote.ts';
import { AppError } from '../errors.ts';
import type { Decision } from '../policy/decision.ts';
import type { SignalKind } from '../policy/evidence.ts';
import { decideUnderPolicies, keepSignals } from './decide-under-policies.ts';
import { finalize } from './finalize.ts';
import { announcement, reshown } from './open.ts';
import type { Ports } from './ports.ts';

type CheckPorts = Pick<Ports, 'ledger' | 'github' | 'now' | 'metrics' | 'log'>;

/**
 * How often a request's checks are read again while it waits: each read costs 3 GitHub calls, and
 * anyone whose workflow runs on the commit (a fork's pull request too) can finish checks on it. Past
 * this, its approvers are asked.
 */
export const MAX_CHECK_READS = 30;

/** Re-reads running or due, per request: webhooks that arrive meanwhile become one more read. */
const rereads = new Map<string, { again: boolean; done: Promise<void> }>();

/** Runs `work` for request `id`, or, while it runs, once more after it: a burst costs two reads. */
function coalesced(id: string, work: () => Promise<void>): Promise<void> {
  const running = rereads.get(id);
  if (running) {
    running.again = true;
    return running.done;
  }
  const entry = { again: false, done: Promise.resolve() };
  entry.done = (async () => {
    try {
      do {
        entry.again = false;
        await work();
      } while (entry.again);
    } finally {
      rereads.delete(id);
    }
  })();
  rereads.set(id, entry);
  return entry.done;
}

/** Checks on commit `sha` of the repository finished: the requests waiting on them are decided again. */
export async function checksFinished(p: CheckPorts, repositoryId: string, sha: string): Promise<void> {
  for (const waiting of await p.ledger.find.awaitingChecks(repositoryId, sha))
    await coalesced(waiting.id, () => redecide(p, waiting.id, ['checks']));
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
    const spent = fresh.includes('checks') && (r.checkReads ?? 0) >= MAX_CHECK_READS;
    if (fresh.includes('checks') && !spent) r.checkReads = (r.checkReads ?? 0) + 1;
    const next = await decideUnderPolicies(
      p,
      r,
      asVotes(votes),
      recordedMembership(votes),
      spent ? [] : fresh,
    );
    keepSignals(r, next.signals);
    const decision = spent ? handedOver(next.decision) : next.decision;
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

/** A decision still waiting on checks whose reads are spent: its approvers are asked, saying why. */
function handedOver(d: Decision): Decision {
  if (!d.awaiting) return d;
  const rest: Decision = { ...d };
  delete rest.awaiting;
  return {
    ...rest,
    reasons: [
      ...d.reasons.filter((x) => !(x.rule === 'evidence' && x.policy === undefined)),
      {
        rule: 'evidence',
        message: `the checks on the commit were read ${MAX_CHECK_READS} times while the request waited, the most the app reads them: the approvers decide`,
      },
    ],
  };
}
