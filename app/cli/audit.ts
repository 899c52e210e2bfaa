import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { auditKeys } from '../audit/chain.ts';
import type { AuditLog, LogCheck, OutsideCheckpoint } from '../audit/verify-log.ts';
import { verifyLog } from '../audit/verify-log.ts';
import { settingsSource } from '../config/env-files.ts';
import { ConfigError, readKeys } from '../config/read-config.ts';
import type { KeyRing } from '../crypto/keys.ts';
import { didYouMean } from '../policy/schema-errors.ts';
import { CliError, UsageError } from './cli-error.ts';
import type { Io } from './io.ts';

export interface AuditArgs {
  'data-dir'?: string | undefined;
  'database-url'?: string | undefined;
  schema?: string | undefined;
  checkpoint?: string | undefined;
  /** Private keys of rotations before PREVIOUS_PRIVATE_KEY, to check the events written under them. */
  'previous-key'?: string[] | undefined;
}

/**
 * The settings as `npm start` reads them: the environment, over the env file when there is one
 * (`.env` in the working directory); and where they came from, for what goes wrong.
 */
function settings(io: Io): { env: NodeJS.ProcessEnv; source: string } {
  const env = io.env ?? process.env;
  const file = io.envFile === undefined ? undefined : resolve(io.envFile);
  if (file === undefined || !existsSync(file)) return { env, source: settingsSource([]) };
  let values: Record<string, string>;
  try {
    values = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (err) {
    throw new CliError(`cannot read ${file} (${(err as Error).message})`, 'fix the file, or move it away');
  }
  return { env: { ...values, ...env }, source: settingsSource([file]) };
}

/** The app's audit keys, from PRIVATE_KEY(_PATH) and PREVIOUS_PRIVATE_KEY(_PATH) as the app reads them. */
function keysFrom(env: NodeJS.ProcessEnv, action: string, older: readonly string[], source: string): KeyRing {
  const olderKeys = older.map((file) => {
    try {
      return readKeys({ PRIVATE_KEY_PATH: file }).privateKey;
    } catch (err) {
      throw new CliError(
        `--previous-key ${file}: ${(err as Error).message.replace(/^PRIVATE_KEY_PATH: /, '')}`,
        'give the .pem file of a private key the app used before',
      );
    }
  });
  try {
    const { privateKey, previousPrivateKey } = readKeys(env);
    return auditKeys(privateKey, [
      ...(previousPrivateKey === undefined ? [] : [previousPrivateKey]),
      ...olderKeys,
    ]);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new CliError(
      `audit ${action} checks the log with the app's key: ${err.message} (settings came from ${source})`,
      'set PRIVATE_KEY_PATH (or PRIVATE_KEY) as for the app, or run this where its .env is; for events written before a key rotation also PREVIOUS_PRIVATE_KEY_PATH',
    );
  }
}

const redacted = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

/** The log from PostgreSQL (--database-url, or DATABASE_URL) or from SQLite in the data directory. */
async function readLog(args: AuditArgs, env: NodeJS.ProcessEnv): Promise<AuditLog> {
  if (args['data-dir'] !== undefined && args['database-url'] !== undefined)
    throw new UsageError('both --data-dir and --database-url given', 'give the one the app uses');
  const url = args['data-dir'] === undefined ? (args['database-url'] ?? env.DATABASE_URL) : undefined;
  if (url) {
    const schema = args.schema ?? env.DATABASE_SCHEMA ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new UsageError(
        `"${schema}" is not a plain schema name`,
        "give the app's DATABASE_SCHEMA with --schema",
      );
    const { readPgLog } = await import('../store/read-audit-pg.ts');
    const log = await readPgLog(url, schema).catch((err: Error) => {
      throw new CliError(
        `cannot read ${redacted(url)}: ${err.message}`,
        "give the app's DATABASE_URL with --database-url",
      );
    });
    if (!log)
      throw new CliError(
        `no audit log in schema ${schema} of ${redacted(url)}`,
        "give the app's DATABASE_SCHEMA with --schema",
      );
    return log;
  }
  const dataDir = args['data-dir'] ?? env.DATA_DIR ?? './data';
  // Loaded only here: node:sqlite needs Node 22.13+ (or --experimental-sqlite on 22.12).
  const { readSqliteLog } = await import('../store/read-audit-sqlite.ts').catch((err: unknown) => {
    throw new CliError(
      `reading SQLite needs node:sqlite, which this Node.js (${process.version}) does not offer (${(err as Error).message})`,
      'use Node.js 22.13 or later, or run with NODE_OPTIONS=--experimental-sqlite',
    );
  });
  const log = readSqliteLog(dataDir);
  if (!log)
    throw new CliError(
      `no audit log in ${dataDir} (jit-approvals.sqlite is missing)`,
      "give the app's DATA_DIR with --data-dir",
    );
  return log;
}

/** A checkpoint file: `audit checkpoint` output, or a witness line `audit event N, chain hash H`. */
function readCheckpoint(file: string): OutsideCheckpoint {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new CliError(
      `cannot read checkpoint ${file} (${(err as Error).message})`,
      'give the file `audit checkpoint` wrote',
    );
  }
  const witness = /^audit event (\d+), chain hash ([0-9a-f]{64})$/.exec(text);
  let cp: Partial<OutsideCheckpoint> | undefined;
  try {
    cp = witness
      ? { seq: Number(witness[1]), hash: witness[2]! }
      : (JSON.parse(text) as Partial<OutsideCheckpoint>);
  } catch {
    cp = undefined;
  }
  if (!cp || !Number.isInteger(cp.seq) || cp.seq! < 0 || !/^[0-9a-f]{64}$/.test(String(cp.hash)))
    throw new CliError(
      `${file} is not a checkpoint`,
      'give the JSON `audit checkpoint` printed, or a line `audit event N, chain hash H` from a check run',
    );
  return cp as OutsideCheckpoint;
}

function report(check: Exclude<LogCheck, { ok: true }>): string {
  if (check.unverified) return `audit log NOT VERIFIED: ${check.problem}`;
  return `audit log BROKEN${check.seq === null ? '' : ` at event ${check.seq}`}: ${check.problem}`;
}

function intact(check: Extract<LogCheck, { ok: true }>, checkpoint: OutsideCheckpoint | undefined): string {
  const parts = [
    `audit log intact: ${check.events} events, chain verified, head checkpoint at event ${check.head}`,
  ];
  if (checkpoint) parts.push(`contains the checkpoint at event ${checkpoint.seq}`);
  if (check.unkeyed > 0)
    parts.push(
      `events 1 to ${check.unkeyed} predate the keyed chain: they are vouched for only from when event ${check.unkeyed + 1} sealed them`,
    );
  return parts.join('; ');
}

/**
 * `jit-approvals audit verify|checkpoint|export`. verify: 0 intact, 1 broken or not verifiable.
 * checkpoint: verifies, then prints the head checkpoint as JSON to keep outside the database.
 */
export async function auditCommand(action: string | undefined, args: AuditArgs, io: Io): Promise<number> {
  if (action !== 'verify' && action !== 'export' && action !== 'checkpoint') {
    const guess = action && didYouMean(action, ['verify', 'checkpoint', 'export']);
    throw new UsageError(
      `unknown audit command "${action ?? ''}"`,
      guess ? `did you mean \`audit ${guess}\`?` : 'use `audit verify`, `audit checkpoint` or `audit export`',
    );
  }
  const { env, source } = settings(io);
  const keys = action === 'export' ? undefined : keysFrom(env, action, args['previous-key'] ?? [], source);
  const checkpoint = args.checkpoint === undefined ? undefined : readCheckpoint(args.checkpoint);
  const log = await readLog(args, env);
  if (!keys) {
    for (const e of log.events) io.stdout(JSON.stringify(e));
    return 0;
  }
  const check = verifyLog(log, keys, checkpoint);
  if (!check.ok) {
    io.stdout(report(check));
    return 1;
  }
  io.stdout(action === 'checkpoint' ? JSON.stringify(log.head) : intact(check, checkpoint));
  return 0;
}
