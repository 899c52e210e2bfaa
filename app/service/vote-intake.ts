import type { StoredRequest } from '../domain/request.ts';
import type { VoteInput, VoteResult } from '../domain/vote.ts';
import { AppError } from '../errors.ts';
import { castVote } from './cast-vote.ts';
import type { IgnoredVotes } from './ignored-clicks.ts';
import type { Ports } from './ports.ts';
import { cannotCount } from './vote-screen.ts';

type IntakePorts = Pick<Ports, 'ledger' | 'github' | 'now' | 'metrics' | 'log' | 'appId'>;

/** What votes need beyond the ports: the ignored votes' gatherer, and whether steps wait now. */
export interface VoteContext {
  ignored: IgnoredVotes;
  stepsWaiting: (r: StoredRequest) => boolean;
}

/** How long a vote is left to its webhook handler before the sweep processes it too. */
export const DELIVERY_GRACE_MS = 5_000;
/** Votes the sweep processes at most, per sweep. */
const RETRIES_PER_SWEEP = 20;
/** Tries of the sweep before a vote is given up (about an hour and a half of backing off). */
const MAX_ATTEMPTS = 12;
/** The wait before the sweep's next try after `attempts` failed ones: 2 s, doubling, at most 10 min. */
const retryDelay = (attempts: number): number => Math.min(2 ** attempts, 600) * 1000;

/**
 * The request a vote is about: by id (a comment command, the page) or by its check run (a button).
 * A check run whose id is not saved yet (GitHub made it; its answer was lost in a crash) is the
 * request its `external_id` names, if that request has no check run saved: only this app makes
 * check runs under its id (the caller compares `check_run.app.id`), with the request's id there.
 */
export async function requestOf(
  p: Pick<Ports, 'ledger'>,
  input: VoteInput,
): Promise<StoredRequest | undefined> {
  if (input.requestId !== undefined) return p.ledger.get(input.requestId);
  if (input.checkRunId === undefined) return undefined;
  const found = await p.ledger.find.findByCheckRun(input.checkRunId);
  if (found || !input.checkRunExternalId) return found;
  const named = await p.ledger.get(input.checkRunExternalId);
  return named?.checkRunId === null ? named : undefined;
}

/**
 * Casts a vote under its request's lock (a save that loses to another writer is decided again on
 * what that writer saved), then, for a comment command that counted, makes its 👍 due: before the
 * delivery is marked done, so the sweep's processing of a failed one answers it too (once, by key).
 */
async function processVote(
  p: IntakePorts,
  c: VoteContext,
  id: string,
  input: VoteInput,
  at: number,
): Promise<VoteResult> {
  let result: VoteResult | undefined;
  for (let attempt = 1; !result; attempt++) {
    try {
      result = await p.ledger.locked(id, async () =>
        castVote(p, await p.ledger.read(id), input, at, c.stepsWaiting),
      );
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'conflict') || attempt === 3) throw err;
    }
  }
  if (result.counted && input.reactTo)
    await p.ledger.schedule([
      { kind: 'reaction', key: `react:${input.deliveryId}`, requestId: id, data: input.reactTo },
    ]);
  return result;
}

/**
 * A vote arrived (a click, a comment command, the approval page). One that cannot count is known
 * from what is stored, without the lock and without writing anything but its (bounded) record:
 * a flood of them never delays an eligible vote. One that may count is recorded with its delivery id
 * before it is processed, and marked done after: if processing fails part-way (GitHub or the
 * database failing, the app stopped), the handler throws, so GitHub counts the delivery as failed
 * and may redeliver it, which is processed again; the sweep processes it too. A delivery processed
 * before is not processed again (undefined).
 */
export async function handleVote(
  p: IntakePorts,
  c: VoteContext,
  input: VoteInput,
): Promise<VoteResult | undefined> {
  const found = await requestOf(p, input);
  if (!found) return undefined; // not one of ours
  // Signed by GitHub, yet about another repository or another app's check run: not a vote on it.
  if (
    found.claims.repository_id !== input.repositoryId ||
    (input.checkRunId !== undefined && input.appId !== p.appId)
  ) {
    p.log.warn(
      {
        request: found.id,
        delivery: input.deliveryId,
        repository_id: input.repositoryId,
        app_id: input.appId,
      },
      'ignored a vote that names another repository or app than the request',
    );
    return undefined;
  }
  let why: string | undefined;
  try {
    why = await cannotCount(p, found, input);
  } catch (err) {
    // GitHub failed while screening (a team's membership): the vote may count. It is recorded, so
    // the sweep processes it even if GitHub never redelivers it, and the delivery fails (5xx).
    await recordDelivery(p, input).catch(() => undefined);
    throw err;
  }
  if (why !== undefined) {
    if (await p.ledger.journal.processed(input.deliveryId)) return undefined;
    return c.ignored.record(found, input, why);
  }
  const intent = await recordDelivery(p, input);
  if (!intent) return undefined; // processed before: a redelivery changes nothing
  const result = await processVote(p, c, found.id, input, intent.at);
  await p.ledger.journal.endDelivery(input.deliveryId, 'done');
  return result;
}

/** Records a vote's delivery before it is processed: null when it was processed before. */
function recordDelivery(p: IntakePorts, input: VoteInput) {
  const at = p.now();
  return p.ledger.journal.beginDelivery({
    id: input.deliveryId,
    input: { ...input },
    at,
    retryAt: at + DELIVERY_GRACE_MS,
  });
}

/**
 * The sweep's pass over votes recorded and not processed after `DELIVERY_GRACE_MS`: their handler
 * failed or died. Each is processed again, backing off while it fails, and given up (logged and
 * audited as `vote_failed`) after `MAX_ATTEMPTS` tries.
 */
export async function retryVotes(p: IntakePorts, c: VoteContext): Promise<void> {
  const { ledger, log, now } = p;
  for (const intent of await ledger.journal.pendingDeliveries(now(), RETRIES_PER_SWEEP)) {
    const input = intent.input as unknown as VoteInput;
    let found: { id: string } | undefined;
    try {
      found = await requestOf(p, input);
      if (found) await processVote(p, c, found.id, input, intent.at);
      await ledger.journal.endDelivery(intent.id, 'done');
      log.info({ delivery: intent.id, request: found?.id }, 'a vote whose handler failed was processed');
    } catch (err) {
      const attempts = intent.attempts + 1;
      if (attempts < MAX_ATTEMPTS) {
        await ledger.journal.retryDelivery(intent.id, now() + retryDelay(attempts));
        log.warn(
          { err, request: found?.id, delivery: intent.id, attempts },
          'processing a vote failed again; trying later',
        );
        continue;
      }
      await ledger.journal.endDelivery(intent.id, 'failed');
      log.error(
        { err, request: found?.id, delivery: intent.id, attempts },
        'a vote could not be processed; giving it up',
      );
      await ledger.audit('vote_failed', found?.id ?? null, {
        voter: input.sender.login,
        delivery: intent.id,
        attempts,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
