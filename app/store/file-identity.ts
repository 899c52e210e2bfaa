import { statSync, type Stats } from 'node:fs';
import { AppError } from '../errors.ts';

/** A file the store had open that is not there as it was: `removed`, or `replaced` by another. */
export interface Missing {
  label: string;
  path: string;
  how: 'removed' | 'replaced';
}

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

  /** The files that are not the ones opened. */
  missing(): Missing[] {
    return this.#files.flatMap(({ label, path, id }) => {
      const now = statSync(path, { throwIfNoEntry: false });
      if (now && now.ino === id.ino && now.dev === id.dev) return [];
      return [{ label, path, how: now ? ('replaced' as const) : ('removed' as const) }];
    });
  }
}

/** The 503 of a file replaced under the app: the new one is the operator's; it is not written over. */
export function replacedError(m: Missing): AppError {
  return new AppError(
    'unavailable',
    `the ${m.label} ${m.path} was ${m.how === 'replaced' ? 'replaced by another file' : 'removed'} while the app was running; nothing more is written to it. Restart the app to use the new file (DATA_DIR)`,
  );
}
