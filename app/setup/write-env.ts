// Writes what the registration got from GitHub where `npm start` reads it: `.env` (mode 0600), and
// the private key to its own file (PRIVATE_KEY_PATH, default private-key.pem), which `.env` names.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../config/config-error.ts';

/** Where the registration writes the app's key when PRIVATE_KEY_PATH does not say (beside .env). */
export const DEFAULT_KEY_PATH = 'private-key.pem';

/** The settings a registration writes, by name; every value already checked (see `checkedCredentials`). */
export type Written = Record<string, string>;

/** One line of `.env`; a value with a newline (the PEM) goes in double quotes with `\n`, which Node expands. */
const line = (name: string, value: string): string =>
  value.includes('\n') ? `${name}="${value.replaceAll('\n', '\\n')}"` : `${name}=${value}`;

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/**
 * `.env`'s text with `values` set: a line that assigns one of them (an empty `APP_ID=` copied
 * from .env.example) is replaced where it stands, a second one is dropped, and the rest are added
 * at the end. Every other line stays as it was.
 */
export function mergeEnv(existing: string, values: Written, stamp: string): string {
  const done = new Set<string>();
  const lines: string[] = [];
  for (const text of existing === '' ? [] : existing.replace(/\n$/, '').split('\n')) {
    const name = ASSIGNMENT.exec(text)?.[1];
    if (name === undefined || !(name in values)) lines.push(text);
    else if (!done.has(name)) {
      lines.push(line(name, values[name]!));
      done.add(name);
    }
  }
  const added = Object.keys(values).filter((name) => !done.has(name));
  if (added.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push(`# Written by the app's registration on GitHub, ${stamp}.`);
    for (const name of added) lines.push(line(name, values[name]!));
  }
  return `${lines.join('\n')}\n`;
}

/** Writes `text` to `path` readable by its owner only, in one step (a new file renamed over the old). */
function writePrivate(path: string, text: string): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}

/**
 * Writes the registration's settings: the PEM at `keyPath` (a new file, mode 0600: an existing key
 * is never replaced) and `.env` in `cwd` (created or merged, mode 0600), naming the key's file as
 * PRIVATE_KEY_PATH. Returns the paths written.
 */
export function writeRegistration(
  cwd: string,
  values: Written,
  pem: string,
  keyPath: string,
  now = new Date(),
): string[] {
  const envPath = resolve(cwd, '.env');
  const written: string[] = [];
  const settings = { ...values, PRIVATE_KEY_PATH: keyPath };
  {
    const path = resolve(cwd, keyPath);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, pem);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    written.push(path);
  }
  const existing = existsSync(envPath) ? readFileSync(envPath, 'utf8') : '';
  writePrivate(envPath, mergeEnv(existing, settings, now.toISOString()));
  written.push(envPath);
  return written;
}

/** Why the registration could not write where it must, or undefined when it can (checked at start). */
export function cannotWrite(cwd: string, keyPath: string): ConfigError | undefined {
  if (existsSync(resolve(cwd, keyPath)))
    return new ConfigError(
      'PRIVATE_KEY_PATH',
      `${keyPath} exists, and APP_ID is not set`,
      'Set APP_ID to the app that key belongs to, or move the file away to register a new app',
    );
  const keyDir = dirname(resolve(cwd, keyPath));
  for (const dir of new Set([cwd, ...(existsSync(keyDir) ? [keyDir] : [])])) {
    const probe = resolve(dir, `.jit-approvals-${randomBytes(6).toString('hex')}.tmp`);
    try {
      closeSync(openSync(probe, 'wx', 0o600));
      rmSync(probe);
    } catch (err) {
      return new ConfigError(
        'APP_ID',
        `is not set, and the registration cannot write in ${dir} (${(err as Error).message})`,
        'Run `npm start` in a checkout you can write to, to register the app there, then give this installation the settings it writes',
      );
    }
  }
  return undefined;
}
