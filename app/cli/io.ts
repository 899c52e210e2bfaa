/** What a command may touch besides the file system: output streams, the clock and the environment. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  now(): Date;
  /** Environment variables (default process.env): DATA_DIR, DATABASE_URL, PRIVATE_KEY, ... */
  env?: NodeJS.ProcessEnv;
  /**
   * The env file `audit` reads besides `env`, as `npm start` reads `.env` (`env` wins over it);
   * the command reads `.env` in its working directory.
   */
  envFile?: string;
  /** The package's version, for `--version` (the installed command reads it from package.json). */
  version?: string;
}

export const processIo: Io = {
  stdout: (text) => void process.stdout.write(`${text}\n`),
  stderr: (text) => void process.stderr.write(`${text}\n`),
  now: () => new Date(),
  env: process.env,
  envFile: '.env',
};
