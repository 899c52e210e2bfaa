import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const FLAG = /^--env-file(?:-if-exists)?(?:=(.*))?$/;

/**
 * The env files Node read at start: those named by `--env-file` / `--env-file-if-exists` in
 * `execArgv` (as `npm start` passes `.env`) that exist, as absolute paths.
 */
export function envFilesRead(
  execArgv: readonly string[],
  cwd: string,
  exists: (path: string) => boolean = existsSync,
): string[] {
  const files: string[] = [];
  execArgv.forEach((arg, i) => {
    const m = FLAG.exec(arg);
    const name = m && (m[1] ?? execArgv[i + 1]);
    if (name && exists(resolve(cwd, name))) files.push(resolve(cwd, name));
  });
  return files;
}

/** Where the settings came from, for the start-up log line and configuration errors. */
export function settingsSource(files: readonly string[]): string {
  return files.length > 0
    ? `the environment and ${files.join(', ')} (the environment wins)`
    : 'the environment only (no .env file)';
}
