import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { ConfigError } from '../config/read-config.ts';

const code = (err: unknown): string => (err as { code?: string }).code ?? (err as Error).message;
const user = (): string => (process.getuid ? `uid ${process.getuid()}` : 'its user');

/**
 * Checks at start that the app can write DATA_DIR and the database files already in it: a
 * read-only one would otherwise fail every write later, as `internal` errors.
 */
export function checkWritable(dataDir: string, files: string[]): void {
  if (existsSync(dataDir) && !statSync(dataDir).isDirectory())
    throw new ConfigError(
      'DATA_DIR',
      `${dataDir} is a file, not a directory`,
      'Point DATA_DIR at a directory (the app creates it if it is missing) for its SQLite database',
    );
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new ConfigError(
      'DATA_DIR',
      `cannot create ${dataDir} (${code(err)})`,
      `Create it, writable by the app (${user()}), or point DATA_DIR at a directory that is`,
    );
  }
  for (const path of [dataDir, ...files.filter((f) => existsSync(f))]) {
    try {
      accessSync(path, constants.W_OK);
    } catch (err) {
      throw new ConfigError(
        'DATA_DIR',
        `${path} is not writable (${code(err)})`,
        `Make it writable by the app (${user()}), or point DATA_DIR at a writable directory`,
      );
    }
  }
}

/**
 * Holds an exclusive lock on `lockFile` for as long as the returned connection is open (a SQLite
 * database in exclusive locking mode: an OS file lock, which the kernel releases when the process
 * ends, even by SIGKILL, so a crashed instance never blocks its restart).
 */
export function lockDataDir(dataDir: string, lockFile: string): DatabaseSync {
  const lock = new DatabaseSync(lockFile, { timeout: 0 });
  try {
    lock.exec(
      'PRAGMA locking_mode = EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (id INTEGER PRIMARY KEY); INSERT OR REPLACE INTO held VALUES (1);',
    );
    return lock;
  } catch (err) {
    lock.close();
    if ((err as { errcode?: number }).errcode !== 5) throw err; // 5: SQLITE_BUSY
    throw new ConfigError(
      'DATA_DIR',
      `${dataDir} is in use by another jit-approvals process (it holds ${lockFile})`,
      'Stop that process (`fuser` on the lock file names it), or give this one its own DATA_DIR; several instances share PostgreSQL instead (DATABASE_URL)',
    );
  }
}
