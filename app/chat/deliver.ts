import { createHmac, randomUUID } from 'node:crypto';
import { mayUse, type NotifyTarget } from '../config/notify-targets.ts';
import type { OwnerRef } from '../config/owners.ts';
import type { Metrics } from '../metrics.ts';
import type { Logger } from '../logging/logger.ts';
import type { Notice } from '../notify/notice.ts';
import { jsonPayload, slackMessage, teamsMessage, type ChatEvent } from '../notify/render-chat.ts';

export interface DeliveryDeps {
  targets: ReadonlyMap<string, NotifyTarget>;
  fetch: typeof fetch;
  metrics: Metrics;
  log: Logger;
  now: () => number;
  /** The waits between attempts (default 0.5 s, 2 s, 8 s: four attempts in about 10 s). */
  backoffMs?: readonly number[];
}

const BACKOFF_MS = [500, 2_000, 8_000];
const HELP = 'Chat and webhook notifications by target and outcome.';
const TIMEOUT_MS = 5_000;

/** `sha256=<hex>` of the body under the target's secret, as GitHub signs its webhooks. */
export const signature = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/**
 * Posts notices to chat and webhook targets. Sending never blocks or fails a decision: each message
 * goes on in the background, retried with backoff on network errors, 5xx and 429; failures are
 * logged and counted (`jit_notifications_total{target,outcome}`).
 */
export class ChatDelivery {
  readonly #deps: DeliveryDeps;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(deps: DeliveryDeps) {
    this.#deps = deps;
  }

  /**
   * What is wrong with the targets a policy of `owner` names: those the app has no configuration
   * for, and those whose owners do not include `owner` (the policy check reports both).
   */
  refused(names: readonly string[], owner: OwnerRef): { unknown: string[]; notOwned: string[] } {
    const { targets } = this.#deps;
    return {
      unknown: names.filter((n) => !targets.has(n)),
      notOwned: names.filter((n) => targets.has(n) && !mayUse(targets.get(n)!, owner)),
    };
  }

  /**
   * Sends the notice to each named target, in the background: only to targets `owner` (the
   * request's repository owner) may use. A target of another owner gets nothing, whatever a
   * policy names; the refusal is logged and counted (`outcome="refused"`).
   */
  send(names: readonly string[], owner: OwnerRef, notice: Notice, event: ChatEvent): void {
    for (const name of names) {
      const target = this.#deps.targets.get(name);
      if (!target) {
        this.#deps.log.warn(
          { request: notice.id, target: name },
          'a policy names a notification target the app does not know',
        );
        continue;
      }
      if (!mayUse(target, owner)) {
        this.#deps.metrics.count('jit_notifications_total', HELP, { target: name, outcome: 'refused' });
        this.#deps.log.warn(
          { request: notice.id, target: name, owner: owner.login },
          `a policy names a notification target that its owner ${owner.login} may not use: nothing sent there`,
        );
        continue;
      }
      const work = this.#deliver(target, notice, event).finally(() => this.#inFlight.delete(work));
      this.#inFlight.add(work);
    }
  }

  /** Resolves when every message sent so far has been delivered or given up. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async #deliver(target: NotifyTarget, notice: Notice, event: ChatEvent): Promise<void> {
    const { fetch, metrics, log, now } = this.#deps;
    const backoff = this.#deps.backoffMs ?? BACKOFF_MS;
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
    const payload =
      target.format === 'slack'
        ? slackMessage(notice, event)
        : target.format === 'teams'
          ? teamsMessage(notice, event)
          : jsonPayload(notice, event, new Date(now()).toISOString());
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'jit-approvals',
    };
    if (target.format === 'json') {
      headers['x-jit-event'] = `request.${event}`;
      headers['x-jit-delivery'] = randomUUID();
      headers['x-jit-signature-256'] = signature(target.secret!, body);
    }
    let last = '';
    for (let attempt = 0; attempt <= backoff.length; attempt++) {
      if (attempt > 0) await sleep(backoff[attempt - 1]!);
      try {
        const res = await fetch(target.url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          metrics.count('jit_notifications_total', HELP, {
            target: target.name,
            outcome: 'delivered',
          });
          return;
        }
        last = `HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 429) break; // the target refuses it: retrying will not help
      } catch (err) {
        last = (err as Error).message;
      }
    }
    metrics.count('jit_notifications_total', HELP, {
      target: target.name,
      outcome: 'failed',
    });
    log.warn(
      { request: notice.id, target: target.name, error: last },
      'a notification could not be delivered',
    );
  }
}
