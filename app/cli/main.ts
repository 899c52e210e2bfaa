import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { didYouMean } from '../policy/schema-errors.ts';
import { CliError, UsageError } from './cli-error.ts';
import { explainCommand } from './explain.ts';
import { processIo, type Io } from './io.ts';
import { ERROR_FORMATS, type ErrorFormat } from './render-errors.ts';
import { testCommand } from './test-command.ts';
import { validateCommand } from './validate.ts';

export const USAGE = `Usage: jit-approvals <command> [options]

Commands:
  validate [dir|file] [--org-policies dir]
                        Check every policy file in dir (default .approvals), or one file.
                        --format text|github|json   github prints ::error annotations
                        --org-policies alone (or with the same dir) checks the organization's set.
  test [dir] [--org-policies dir]
                        Run the policy tests in dir/tests against the policies in dir.
                        --format text|github|json
  explain --request file.json [--policies dir] [--org-policies dir] [--json]
                        Evaluate one request and show the decision and why.
  audit verify [--data-dir dir | --database-url url [--schema s]] [--checkpoint file]
               [--previous-key file ...]
                        Check the app's audit log (needs PRIVATE_KEY or PRIVATE_KEY_PATH, and
                        PREVIOUS_PRIVATE_KEY_PATH after a key rotation; keys of earlier rotations
                        with --previous-key); report the first bad event.
  audit checkpoint [--data-dir dir | --database-url url [--schema s]]
                        Verify, then print the head checkpoint to keep outside the database.
  audit export [--data-dir dir | --database-url url [--schema s]]
                        Print the audit log as JSON lines.

--org-policies dir: a checkout of the organization's .github/.approvals, whose policies govern
every repository of the organization too, as org:<name>, as the app combines them.

Options: -h, --help (this text), --version (the version).

Exit codes: 0 valid / all tests pass / decision printed / audit intact, 1 invalid policies,
failing tests or a broken audit log, 2 usage error.`;

function formatOption(value: string | undefined): ErrorFormat {
  const format = value ?? 'text';
  if (!(ERROR_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`unknown --format "${format}"`, `use one of ${ERROR_FORMATS.join(', ')}`);
  }
  return format as ErrorFormat;
}

function orgOption(value: string | undefined): string | undefined {
  if (value === '')
    throw new UsageError(
      '--org-policies needs a directory',
      "give a checkout of the organization's .github/.approvals, e.g. --org-policies ../.github/.approvals",
    );
  return value;
}

function oneDir(positionals: string[]): string {
  if (positionals.length > 1)
    throw new UsageError(
      `expected one directory or file, got ${positionals.join(' ')}`,
      'give one directory (or, to validate, one file)',
    );
  return positionals[0] ?? '.approvals';
}

const COMMANDS = ['validate', 'test', 'explain', 'audit', 'help'];

const OPTIONS = {
  format: { type: 'string' },
  policies: { type: 'string' },
  request: { type: 'string' },
  json: { type: 'boolean' },
  'org-policies': { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  schema: { type: 'string' },
  checkpoint: { type: 'string' },
  'previous-key': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsOptionsConfig;

/** The options each command reads: a misspelt option is first compared with these. */
const COMMAND_OPTIONS: Record<string, string[]> = {
  validate: ['format', 'org-policies'],
  test: ['format', 'org-policies'],
  explain: ['policies', 'request', 'json', 'org-policies'],
  audit: ['data-dir', 'database-url', 'schema', 'checkpoint', 'previous-key'],
};

/** An unknown option (parseArgs' ERR_PARSE_ARGS_UNKNOWN_OPTION) as a usage error with a suggestion. */
function unknownOption(err: Error, command: string | undefined): UsageError {
  const option = /Unknown option '([^']+)'/.exec(err.message)?.[1] ?? err.message;
  const name = option.replace(/^-+/, '').split('=')[0]!;
  const own = [...(COMMAND_OPTIONS[command ?? ''] ?? []), 'help', 'version'];
  const guess = didYouMean(name, own) ?? didYouMean(name, Object.keys(OPTIONS));
  return new UsageError(
    `unknown option '${option}'`,
    guess
      ? `did you mean --${guess}?`
      : `${command ? `${command} takes ` : 'the options are '}${own.map((o) => `--${o}`).join(', ')}`,
  );
}

function parse(args: string[], command: string | undefined) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw unknownOption(err as Error, command);
    throw err;
  }
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  // `jit-approvals --version`: options with no command.
  const command = argv[0]?.startsWith('-') ? undefined : argv[0];
  const { values, positionals } = parse(argv.slice(command === undefined ? 0 : 1), command);
  if (values.version) {
    io.stdout(io.version ?? 'unknown');
    return 0;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  switch (command) {
    case 'validate':
      return validateCommand(
        positionals.length > 0 ? oneDir(positionals) : undefined,
        formatOption(values.format),
        io,
        orgOption(values['org-policies']),
      );
    case 'test':
      return testCommand(
        oneDir(positionals),
        formatOption(values.format),
        io,
        orgOption(values['org-policies']),
      );
    case 'explain':
      if (!values.request)
        throw new UsageError('explain needs --request <file.json>', 'see the request format in the README');
      if (positionals.length > 0)
        throw new UsageError(
          `unexpected argument ${positionals[0]}`,
          'use --policies <dir> for the policy directory',
        );
      return explainCommand(
        values.policies,
        values.request,
        values.json === true,
        io,
        orgOption(values['org-policies']),
      );
    case 'audit': {
      // Loaded only here; it loads node:sqlite or pg only for the store it reads.
      const { auditCommand } = await import('./audit.ts');
      return auditCommand(positionals[0], values, io);
    }
    case undefined:
    case 'help':
      io.stdout(USAGE);
      return command === undefined ? 2 : 0;
    default: {
      const guess = didYouMean(command, COMMANDS);
      throw new UsageError(
        `unknown command "${command}"`,
        guess ? `did you mean "${guess}"?` : `use one of ${COMMANDS.join(', ')}`,
      );
    }
  }
}

/** Runs the CLI; returns the exit code. Usage errors exit 2 with a hint, never a stack trace. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof CliError) {
      // The usage text only when the command line is wrong: a missing file or an unreadable store
      // is said in two lines.
      io.stderr(
        `jit-approvals: ${err.message}\n  fix: ${err.fix}${err instanceof UsageError ? `\n\n${USAGE}` : ''}`,
      );
      return 2;
    }
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`jit-approvals: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}
