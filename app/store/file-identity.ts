import { statSync, type Stats } from 'node:fs';
import { AppError } from '../errors.ts';

/**
 * Notices when files the store has open are removed or replaced under it (an operator's `rm`, a
 * backup restored over them): the open handles would go on writing into files nobody will read.
 */
export class FileIdentity {
  readonly #files: { label: string; path: string; id: Stats }[];

  /** `files`: label (e.g. "database file") by path, as they are now. */
  constructor(files: Record<string, string>) {
    this.#files = Object.entries(files).map(([label, path]) => ({ label, path, id: statSync(path) }));
  }

  /** Throws `unavailable` (503) if a file is no longer the one opened. */
  check(): void {
    for (const { label, path, id } of this.#files) {
      const now = statSync(path, { throwIfNoEntry: false });
      if (now && now.ino === id.ino && now.dev === id.dev) continue;
      const fix = now
        ? 'Restart the app to use the new file (DATA_DIR)'
        : `Until the app stops, its last state can be copied back from /proc/${process.pid}/fd; then restart the app (DATA_DIR)`;
      throw new AppError(
        'unavailable',
        `the ${label} ${path} was ${now ? 'replaced by another file' : 'removed'} while the app was running; nothing more is written to it. ${fix}`,
      );
    }
  }
}
