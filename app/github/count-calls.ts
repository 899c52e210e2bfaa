import type { Metrics } from '../metrics.ts';
import { GITHUB_CALLS_HELP } from '../metrics-catalogue.ts';

type Hooked = {
  hook: {
    wrap(
      name: 'request',
      fn: (
        request: (o: never) => Promise<{ status: number }>,
        opts: { method: string; url: string },
      ) => unknown,
    ): void;
  };
};

const counted = new WeakSet<object>();

/**
 * Counts every call `kit` makes, once it is answered, in `jit_github_api_calls_total{route,status}`:
 * the route as written (`GET /repos/{owner}/{repo}`), the HTTP status of the answer (`200`, `304`,
 * `502`), or `error` when no answer came (network failure, GITHUB_TIMEOUT_MS). Idempotent per kit.
 */
export function countCalls<K extends object>(kit: K, metrics: Metrics): K {
  if (counted.has(kit)) return kit;
  counted.add(kit);
  (kit as unknown as Hooked).hook.wrap('request', async (request, opts) => {
    const route = `${opts.method} ${opts.url}`;
    const count = (status: string) =>
      metrics.count('jit_github_api_calls_total', GITHUB_CALLS_HELP, { route, status });
    try {
      const res = await request(opts as never);
      count(String(res.status));
      return res;
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      count(typeof status === 'number' && status > 0 ? String(status) : 'error');
      throw err;
    }
  });
  return kit;
}
