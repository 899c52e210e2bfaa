import { AppError } from '../errors.ts';

/** What the PostgreSQL store logs with: a lost connection is a warning, never a crash. */
export interface StoreLog {
  warn(obj: object, msg?: string): void;
}

/** SQLSTATEs of a connection that failed or was ended: class 08, shutdowns, too many connections. */
const SERVER_CODES = /^(08...|57P0[123]|53300)$/;
/** Socket errors on the way to the server. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
/** node-postgres's own errors for a connection that ended, timed out or broke. */
const DRIVER_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|not queryable/;

/** True when `err` says the database could not be reached or the connection was lost. */
export function isConnectionError(err: unknown): boolean {
  const { code, message = '' } = (err ?? {}) as { code?: unknown; message?: string };
  if (typeof code === 'string' && (SERVER_CODES.test(code) || SOCKET_CODES.has(code))) return true;
  return DRIVER_MESSAGES.test(message);
}

/**
 * A refused or lost database connection becomes `unavailable` (503: the step retries, and the
 * next call opens a new connection); any other error is returned as it is.
 */
export function unreachable(err: unknown): unknown {
  if (!isConnectionError(err)) return err;
  const { code, message } = err as { code?: string; message?: string };
  return new AppError(
    'unavailable',
    `PostgreSQL is not reachable (${message || code}); check the server and DATABASE_URL, then try again`,
    { cause: err },
  );
}

/** `work`, with a refused or lost connection turned into `unavailable` (see `unreachable`). */
export const reachable = <T>(work: Promise<T>): Promise<T> =>
  work.catch((err: unknown) => Promise.reject(unreachable(err)));
