import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { Config } from '../config/read-config.ts';
import { keysOnce } from './keys-once.ts';

export type LogFormat = 'json' | 'pretty';

/** Keys whose values are credentials wherever they appear: tokens, their encrypted forms, secrets. */
const SECRET_KEYS = ['token', 'jwe', 'sealed', 'secret', 'authorization', 'cookie', '"set-cookie"'];

/**
 * What is never written, in any format: headers that carry credentials and the secret keys, at the
 * top level and up to three levels down (`err.request.headers.authorization`).
 */
export const REDACTED_PATHS = SECRET_KEYS.flatMap((key) =>
  ['', '*', '*.*', '*.*.*'].map((under) =>
    key.startsWith('"') ? `${under}[${key}]` : under ? `${under}.${key}` : key,
  ),
);

/**
 * The app's logger: `json` writes one object a line (for log collectors), `pretty` writes lines
 * for people (as Probot does). Both leave out the redacted paths; a JSON line has each key once (keys-once.ts).
 */
export function createLogger({
  level,
  format,
  destination = process.stdout,
}: {
  level: Config['logLevel'];
  format: LogFormat;
  destination?: NodeJS.WritableStream;
}): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (format === 'json') return keysOnce(pino(options, destination));
  return keysOnce(
    pino(
      options,
      PinoPretty({
        destination,
        sync: true,
        colorize: false,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,req,res,responseTime',
        errorProps: 'event,status,request',
      }),
    ),
  );
}
