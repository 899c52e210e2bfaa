/** A problem with what the command was given (a file that is missing, a store it cannot read): exit code 2. */
export class CliError extends Error {
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.name = 'CliError';
    this.fix = fix;
  }
}

/** The command line itself is wrong (unknown command or option, a missing or extra argument): the usage text follows. */
export class UsageError extends CliError {
  constructor(message: string, fix: string) {
    super(message, fix);
    this.name = 'UsageError';
  }
}
