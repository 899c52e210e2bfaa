// Every call to GitHub has a time bound: a call that hangs fails, and what waits behind it goes on.

type Options = { method: string; url: string; request?: { signal?: AbortSignal; timeout?: number } };

/** GitHub did not answer in time; the call was abandoned and its fetch aborted. */
export class GitHubTimeoutError extends Error {
  constructor(route: string, ms: number, setting: string | undefined) {
    super(`GitHub did not answer ${route} within ${ms} ms${setting ? ` (${setting})` : ''}`);
    this.name = 'GitHubTimeoutError';
  }
}

/**
 * Runs one request of Octokit's hook chain within `timeoutMs` (the GITHUB_TIMEOUT_MS setting), or
 * within the call's own `request.timeout` where that is shorter. At the bound the fetch is aborted
 * and the caller gets a GitHubTimeoutError at once, even if a plugin further down (plugin-retry)
 * would still wait to try again.
 */
export function bounded<O extends Options, T>(
  request: (o: O) => T | Promise<T>,
  opts: O,
  timeoutMs: number,
): Promise<T> {
  const own = Number(opts.request?.timeout) || undefined;
  const ms = own !== undefined && own < timeoutMs ? own : timeoutMs;
  const controller = new AbortController();
  const given = opts.request?.signal;
  const signal = given ? AbortSignal.any([given, controller.signal]) : controller.signal;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new GitHubTimeoutError(
        `${opts.method} ${opts.url}`,
        ms,
        ms === own ? undefined : 'GITHUB_TIMEOUT_MS',
      );
      controller.abort(err);
      reject(err);
    }, ms);
  });
  return Promise.race([request({ ...opts, request: { ...opts.request, signal } }), late]).finally(() =>
    clearTimeout(timer),
  );
}
