import { createHmac } from 'node:crypto';
import { mayUse, type NotifyTarget } from '../config/notify-targets.ts';
import type { OwnerRef } from '../config/owners.ts';
import type { Metrics } from '../metrics.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * One message to send: the request it is about, its event (`pending`, `reminder`, `ended`) and its
 * body in a target's format (`sentAt`: when it is sent, for the JSON payload). The views render it;
 * this adapter only posts it.
 */
export interface ChatMessage {
  requestId: string;
  event: string;
  render(format: NotifyTarget['format'], sentAt: string): Record<string, unknown>;
}

export interface DeliveryDeps {
  targets: ReadonlyMap<string, NotifyTarget>;
  fetch: typeof fetch;
  metrics: Metrics;
  log: Logger;
  now: () => number;
}

const HELP = 'Chat and webhook notifications by target and outcome.';
const TIMEOUT_MS = 5_000;

/** `sha256=<hex>` of the body under the target's secret, as GitHub signs its webhooks. */
export const signature = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/**
 * Posts notices to chat and webhook targets, one try at a time: each message is an outbox effect,
 * tried again with backoff on network errors, 5xx and 429, never holding up a decision. Outcomes
 * are counted (`jit_notifications_total{target,outcome}`).
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
   * Delivers one notice to target `name`, once (the outbox tries again): only to a target `owner`
   * (the request's repository owner) may use. A target the app does not know, or of another owner,
   * gets nothing, whatever a policy names: logged and counted (`outcome="refused"`), and not tried
   * again. Throws a failure to deliver, `retriable` unless the target refused it (a 4xx but 429).
   * `deliveryId` is the same on every try of one message (`x-jit-delivery`).
   */
  async deliver(name: string, owner: OwnerRef, message: ChatMessage, deliveryId: string): Promise<void> {
    const target = this.#deps.targets.get(name);
    if (!target) {
      this.#deps.log.warn(
        { request: message.requestId, target: name },
        'a policy names a notification target the app does not know',
      );
      return;
    }
    if (!mayUse(target, owner)) {
      this.#deps.metrics.count('jit_notifications_total', HELP, { target: name, outcome: 'refused' });
      this.#deps.log.warn(
        { request: message.requestId, target: name, owner: owner.login },
        `a policy names a notification target that its owner ${owner.login} may not use: nothing sent there`,
      );
      return;
    }
    const work = this.#post(target, message, deliveryId).finally(() => this.#inFlight.delete(work));
    this.#inFlight.add(work);
    await work;
  }

  /** A message to target `name` was given up: counted and logged. */
  gaveUp(name: string, requestId: string | null, err: unknown): void {
    this.#deps.metrics.count('jit_notifications_total', HELP, { target: name, outcome: 'failed' });
    this.#deps.log.warn(
      { request: requestId, target: name, error: err instanceof Error ? err.message : String(err) },
      'a notification could not be delivered',
    );
  }

  /** Resolves when every delivery under way has ended. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async #post(target: NotifyTarget, message: ChatMessage, deliveryId: string): Promise<void> {
    const { fetch, metrics, now } = this.#deps;
    const body = JSON.stringify(message.render(target.format, new Date(now()).toISOString()));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'jit-approvals',
    };
    if (target.format === 'json') {
      headers['x-jit-event'] = `request.${message.event}`;
      headers['x-jit-delivery'] = deliveryId;
      headers['x-jit-signature-256'] = signature(target.secret!, body);
    }
    let res: Response;
    try {
      res = await fetch(target.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw Object.assign(new Error(`${target.name}: ${(err as Error).message}`, { cause: err }), {
        retriable: true,
      });
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) {
      metrics.count('jit_notifications_total', HELP, { target: target.name, outcome: 'delivered' });
      return;
    }
    // The target refuses it (a 4xx but 429): trying again will not help.
    throw Object.assign(new Error(`${target.name}: HTTP ${res.status}`), {
      retriable: res.status >= 500 || res.status === 429,
    });
  }
}
