import { AppError } from '../errors.ts';
import { GitHubTimeoutError } from './bounded.ts';
import { rateLimitOf } from './octokit-class.ts';

/** The HTTP status GitHub answered with, if it answered. */
export const statusOf = (err: unknown): number | undefined => (err as { status?: number }).status;

/**
 * The HTTP status of a failed GitHub call as the app sees it: GitHub's answer, kept as the cause
 * of the app's error, else the error's own.
 */
export const failureStatusOf = (err: unknown): number | undefined => {
  const e = err as { status?: unknown; cause?: { status?: unknown } };
  const status = e.cause?.status ?? e.status;
  return typeof status === 'number' ? status : undefined;
};

/** Why a call got no answer at all: the socket's error (connect ECONNREFUSED ...), not "HTTP 500". */
function transportCause(err: unknown): string {
  type Link = { message?: string; code?: string; cause?: Link };
  const chain: Link[] = [];
  for (let l = err as Link | undefined; l && chain.length < 4; l = l.cause) chain.push(l);
  return (
    chain.find((l) => l.message && l.message !== 'fetch failed')?.message ??
    chain.find((l) => l.code)?.code ??
    'no answer'
  );
}

/** A GitHub failure as the app's error (503, the step retries); the cause stays attached for the log. */
export function unavailable(what: string, err: unknown): AppError {
  const { status, response } = err as { status?: number; response?: unknown };
  const limit = rateLimitOf(err);
  const message = limit
    ? `GitHub's ${limit} stopped ${what} (HTTP ${status}); try again later`
    : err instanceof GitHubTimeoutError
      ? `${err.message} while ${what}; try again`
      : response === undefined
        ? `GitHub could not be reached while ${what} (${transportCause(err)}); try again`
        : `GitHub failed while ${what} (HTTP ${status}); try again`;
  return new AppError('unavailable', message, { cause: err });
}

/**
 * One GitHub call, the way every REST wrapper makes it: its answer, or the app's error (`what` says
 * what was being done); a 404 becomes `notFound()` where the caller has an answer for it.
 */
export async function call<T>(what: string, work: () => Promise<T>, notFound?: () => T): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (notFound && statusOf(err) === 404) return notFound();
    throw unavailable(what, err);
  }
}
