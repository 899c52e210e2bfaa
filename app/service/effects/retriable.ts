import { AppError } from '../../errors.ts';
import { failureStatusOf } from '../../github/errors.ts';
import { rateLimitOf } from '../../github/octokit-class.ts';

/**
 * Whether trying an effect again may help: no answer at all, a server error, a rate limit, or a
 * failure of the app's own (the database); not a refusal that will stand (a 4xx other than 429, a
 * forbidden or invalid request), nor anything that says so itself (`retriable: false`).
 */
export function retriable(err: unknown): boolean {
  const own = (err as { retriable?: unknown }).retriable;
  if (typeof own === 'boolean') return own;
  if (err instanceof AppError && err.code === 'conflict') return true; // another writer: read again
  const status = failureStatusOf(err);
  if (status === undefined) return true;
  if (status === 429 || status >= 500) return true;
  return rateLimitOf((err as { cause?: unknown }).cause ?? err) !== undefined;
}
