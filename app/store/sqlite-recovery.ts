import { renameSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

/** The settings every connection to the store's file runs with. */
export const PRAGMAS = 'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;';

/**
 * The database file was removed while the app held it open (an operator's `rm`, a cleanup job):
 * the open connection still reads everything, so its state is written back to `file` (`VACUUM
 * INTO` a new file beside it, then renamed into place) and a connection to that file is returned.
 * Closing the old connection first lets SQLite remove its write-ahead log, which a new file must
 * not inherit. Nothing is lost: every committed write is in the copy.
 */
export function restoreRemovedFile(db: DatabaseSync, file: string): DatabaseSync {
  const copy = `${file}.restoring`;
  rmSync(copy, { force: true });
  db.exec(`VACUUM INTO '${copy.replaceAll("'", "''")}'`);
  db.close();
  renameSync(copy, file);
  const restored = new DatabaseSync(file);
  restored.exec(PRAGMAS);
  return restored;
}
