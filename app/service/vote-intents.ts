import type { StoredRequest } from '../domain/request.ts';
import type { ApprovalService } from './approval-service.ts';
import { cannotCount } from './click-screen.ts';
import { processVote, type VoteInput, type VoteResult } from './vote.ts';

/** The request a vote is about: by id (a comment command) or by its check run (a button). */
async function requestOf(service: ApprovalService, input: VoteInput): Promise<StoredRequest | undefined> {
  const { store } = service.deps;
  if (input.requestId !== undefined) return store.getRequest(input.requestId);
  return input.checkRunId === undefined ? undefined : store.findByCheckRun(input.checkRunId);
}

/** How long a click is left to its webhook handler before the sweep processes it too. */
export const DELIVERY_GRACE_MS = 5_000;
/** Clicks the sweep processes at most, per sweep. */
const RETRIES_PER_SWEEP = 20;
/** Tries of the sweep before a click is given up (about an hour and a half of backing off). */
const MAX_ATTEMPTS = 12;
/** The wait before the sweep's next try after `attempts` failed ones: 2 s, doubling, at most 10 min. */
const retryDelay = (attempts: number): number => Math.min(2 ** attempts, 600) * 1000;

/**
 * A click arrived (check_run.requested_action). It is recorded with its delivery id before it is
 * processed, and marked done after: if processing fails part-way (GitHub or the database failing,
 * the app stopped), the handler throws, so GitHub counts the delivery as failed and may redeliver
 * it, which is processed again; the sweep processes it too. A delivery processed before is not
 * processed again.
 */
export async function handleVote(
  service: ApprovalService,
  input: VoteInput,
): Promise<VoteResult | undefined> {
  const { store, now } = service.deps;
  const found = await requestOf(service, input);
  if (!found) return undefined; // not one of ours
  // Signed by GitHub, yet about another repository or another app's check run: not a vote on it.
  if (
    found.claims.repository_id !== input.repositoryId ||
    (input.checkRunId !== undefined && input.appId !== service.deps.appId)
  ) {
    service.deps.log.warn(
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
  const at = now();
  const intent = await store.journal.beginDelivery({
    id: input.deliveryId,
    input: { ...input },
    at,
    retryAt: at + DELIVERY_GRACE_MS,
  });
  if (!intent) return undefined; // processed before: a redelivery changes nothing
  // A vote that cannot count is recorded without the request's lock: a flood of them never delays
  // an eligible vote, and costs no GitHub write each.
  const why = await cannotCount(service, found, input);
  if (why !== undefined) {
    const ignored = await service.ignored.record(found, input, why);
    await store.journal.endDelivery(input.deliveryId, 'done');
    return ignored;
  }
  const result = await processVote(service, found.id, input, intent.at);
  await store.journal.endDelivery(input.deliveryId, 'done');
  return result;
}

/**
 * The sweep's pass over clicks recorded and not processed after `DELIVERY_GRACE_MS`: their
 * handler failed or died. Each is processed again, backing off while it fails, and given up
 * (logged and audited as `vote_failed`) after `MAX_ATTEMPTS` tries.
 */
export async function retryVotes(service: ApprovalService): Promise<void> {
  const { store, log, now } = service.deps;
  for (const intent of await store.journal.pendingDeliveries(now(), RETRIES_PER_SWEEP)) {
    const input = intent.input as unknown as VoteInput;
    let found: { id: string } | undefined;
    try {
      found = await requestOf(service, input);
      if (found) await processVote(service, found.id, input, intent.at);
      await store.journal.endDelivery(intent.id, 'done');
      log.info({ delivery: intent.id, request: found?.id }, 'a click whose handler failed was processed');
    } catch (err) {
      const attempts = intent.attempts + 1;
      if (attempts < MAX_ATTEMPTS) {
        await store.journal.retryDelivery(intent.id, now() + retryDelay(attempts));
        log.warn(
          { err, request: found?.id, delivery: intent.id, attempts },
          'processing a click failed again; trying later',
        );
        continue;
      }
      await store.journal.endDelivery(intent.id, 'failed');
      log.error(
        { err, request: found?.id, delivery: intent.id, attempts },
        'a click could not be processed; giving it up',
      );
      await service.audit('vote_failed', found?.id ?? null, {
        voter: input.sender.login,
        delivery: intent.id,
        attempts,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
