import { parseArgs } from 'node:util';
import { CliError } from './cli-error.ts';
import { explainCommand } from './explain.ts';
import { processIo, type Io } from './io.ts';
import { ERROR_FORMATS, type ErrorFormat } from './render-errors.ts';
import { testCommand } from './test-command.ts';
import { validateCommand } from './validate.ts';

export const USAGE = `Usage: jit-approvals <command> [options]

Commands:
  validate [dir]        Check every policy file in dir (default .approvals).
                        --format text|github|json   github prints ::error annotations
  test [dir]            Run the policy tests in dir/tests against the policies in dir.
                        --format text|github|json
  explain --request file.json [--policies dir] [--json]
                        Evaluate one request and show the decision and why.
  audit verify [--data-dir dir]
                        Check the app's hash-chained audit log; report the first broken link.
  audit export [--data-dir dir]
                        Print the audit log as JSON lines.

Exit codes: 0 valid / all tests pass / decision printed / audit intact, 1 invalid policies,
failing tests or a broken audit log, 2 usage error.`;

function formatOption(value: string | undefined): ErrorFormat {
  const format = value ?? 'text';
  if (!(ERROR_FORMATS as readonly string[]).includes(format)) {
    throw new CliError(`unknown --format "${format}"`, `use one of ${ERROR_FORMATS.join(', ')}`);
  }
  return format as ErrorFormat;
}

function oneDir(positionals: string[]): string {
  if (positionals.length > 1)
    throw new CliError(`expected one directory, got ${positionals.join(' ')}`, 'give one directory');
  return positionals[0] ?? '.approvals';
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string' },
      policies: { type: 'string' },
      request: { type: 'string' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  switch (command) {
    case 'validate':
      return validateCommand(oneDir(positionals), formatOption(values.format), io);
    case 'test':
      return testCommand(oneDir(positionals), formatOption(values.format), io);
    case 'explain':
      if (!values.request)
        throw new CliError('explain needs --request <file.json>', 'see the request format in the README');
      if (positionals.length > 0)
        throw new CliError(
          `unexpected argument ${positionals[0]}`,
          'use --policies <dir> for the policy directory',
        );
      return explainCommand(values.policies ?? '.approvals', values.request, values.json === true, io);
    case 'audit': {
      // Loaded only here: node:sqlite needs Node 22.13+ (or --experimental-sqlite on 22.12).
      const { auditCommand } = await import('./audit.ts').catch((err: unknown) => {
        throw new CliError(
          `the audit commands need node:sqlite, which this Node.js (${process.version}) does not offer (${(err as Error).message})`,
          'use Node.js 22.13 or later, or run with NODE_OPTIONS=--experimental-sqlite',
        );
      });
      return auditCommand(positionals[0], values['data-dir'] ?? process.env.DATA_DIR ?? './data', io);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new CliError(`unknown command "${command}"`, 'use validate, test or explain');
  }
}

/** Runs the CLI; returns the exit code. Usage errors exit 2 with a hint, never a stack trace. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`jit-approvals: ${err.message}\n  fix: ${err.fix}\n\n${USAGE}`);
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
