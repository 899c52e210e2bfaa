import { AppError } from '../errors.ts';
import { ConfigError, type Config } from './read-config.ts';

/** Socket errors on the way to a server. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
interface CodedError {
  code?: unknown;
  message?: string;
  syscall?: string;
  /** Set on PostgreSQL's own errors (with a SQLSTATE as `code`). */
  severity?: string;
  errors?: unknown[];
}

/** The error that says what happened: the cause of the store's `unavailable`, the first of several attempts. */
function rootCause(err: unknown): CodedError {
  const e = (err instanceof AppError && err.cause ? err.cause : (err ?? {})) as CodedError;
  const first = Array.isArray(e.errors) ? (e.errors[0] as CodedError | undefined) : undefined;
  return e.message || !first ? e : first;
}

/** The URL without its password. */
function shown(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return 'DATABASE_URL';
  }
}

function databaseFix(code: string): string {
  if (UNREACHABLE.has(code))
    return 'Start PostgreSQL there, or correct the host and port in DATABASE_URL (leave it unset to use the embedded SQLite store)';
  if (code.startsWith('28')) return 'Correct the user and password in DATABASE_URL';
  if (code === '3D000') return 'Create the database (`createdb <name>`), or correct its name in DATABASE_URL';
  if (code === '42501')
    return 'Grant the user the right to create tables there, or set DATABASE_SCHEMA to a schema it owns';
  return 'Check DATABASE_URL and DATABASE_SCHEMA: the app needs a database where it may create its tables';
}

/**
 * A failure while starting that an operator fixes with a setting, as a ConfigError naming it
 * (the database cannot be reached or used, the port is taken); undefined for anything else.
 */
export function startError(
  err: unknown,
  config: Pick<Config, 'databaseUrl' | 'host' | 'port'>,
): ConfigError | undefined {
  if (err instanceof ConfigError) return err;
  const cause = rootCause(err);
  const code = typeof cause.code === 'string' ? cause.code : '';
  const detail = cause.message || code;
  if (cause.syscall === 'listen') {
    const where = `${config.host}:${config.port}`;
    if (code === 'EADDRINUSE')
      return new ConfigError(
        'PORT',
        `${where} is already in use`,
        'Stop what listens there, or set PORT to a free port',
      );
    if (code === 'EACCES')
      return new ConfigError(
        'PORT',
        `may not listen on ${where} (${code})`,
        'Use a port above 1023, e.g. PORT=3000',
      );
    return new ConfigError(
      'HOST',
      `cannot listen on ${where} (${detail})`,
      'Set HOST to an address of this machine, e.g. 127.0.0.1 or 0.0.0.0',
    );
  }
  if (config.databaseUrl && (UNREACHABLE.has(code) || cause.severity !== undefined))
    return new ConfigError(
      'DATABASE_URL',
      `cannot use PostgreSQL at ${shown(config.databaseUrl)} (${detail})`,
      databaseFix(code),
    );
  return undefined;
}
