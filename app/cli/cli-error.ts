/** A usage problem: the command line itself is wrong (exit code 2). */
export class CliError extends Error {
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.name = 'CliError';
    this.fix = fix;
  }
}
