/** What a command may touch besides the file system: output streams and the clock. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  now(): Date;
}

export const processIo: Io = {
  stdout: (text) => void process.stdout.write(`${text}\n`),
  stderr: (text) => void process.stderr.write(`${text}\n`),
  now: () => new Date(),
};
