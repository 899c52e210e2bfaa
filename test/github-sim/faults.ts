// Fault injection: the next N calls of an operation fail as GitHub sometimes does.
import { DOCS, type Reply } from './route-kit.ts';

/**
 * `hang`: the call is never answered and nothing happens. `withhold`: GitHub acts (the write
 * happens) and then never answers, as when a connection drops after the server committed.
 */
export type Fault = 500 | 502 | 'rate-limit' | 'secondary-rate-limit' | 'hang' | 'withhold';

export class Faults {
  readonly #pending = new Map<string, Fault[]>();

  /** The next `times` calls of `operation` (an operationId, or `*` for any) answer with `fault`. */
  add(operation: string, fault: Fault, times = 1): void {
    this.#pending.set(operation, [
      ...(this.#pending.get(operation) ?? []),
      ...Array<Fault>(times).fill(fault),
    ]);
  }

  /** Drops every fault not yet taken. */
  clear(): void {
    this.#pending.clear();
  }

  /** The reply for this call, `hang` for none at all, or undefined to serve it normally. */
  take(operation: string): Reply | 'hang' | 'withhold' | undefined {
    const queue = this.#pending.get(operation)?.length
      ? this.#pending.get(operation)!
      : this.#pending.get('*');
    const fault = queue?.shift();
    switch (fault) {
      case undefined:
        return undefined;
      case 'hang':
      case 'withhold':
        return fault;
      case 'rate-limit':
        return {
          status: 403,
          headers: {
            'retry-after': '1',
            'x-ratelimit-limit': '5000',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
          },
          body: {
            message: 'API rate limit exceeded for installation.',
            documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
          },
        };
      case 'secondary-rate-limit':
        // What GitHub answers a client that writes too fast (retry-after shortened for tests).
        return {
          status: 403,
          headers: { 'retry-after': '1' },
          body: {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
          },
        };
      default:
        return {
          status: fault,
          body: { message: fault === 500 ? 'Server Error' : 'Bad Gateway', documentation_url: DOCS },
        };
    }
  }
}
