import { fileURLToPath } from 'node:url';
import { main } from '../../app/cli/main.ts';
import type { Io } from '../../app/cli/io.ts';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs the CLI in-process from the repository root with captured output and a fixed clock.
 * `combined` holds stdout and stderr interleaved, as a terminal shows them.
 */
export async function runCli(
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string; combined: string }> {
  return runCliWith({}, ...argv);
}

/** `runCli` with these environment variables (and no others) for the command. */
export async function runCliWith(
  env: NodeJS.ProcessEnv,
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string; combined: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const all: string[] = [];
  const io: Io = {
    stdout: (t) => void (out.push(t), all.push(t)),
    stderr: (t) => void (err.push(t), all.push(t)),
    now: () => new Date('2026-11-23T10:00:00Z'),
    env,
  };
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const code = await main(argv, io);
    return { code, stdout: out.join('\n'), stderr: err.join('\n'), combined: all.join('\n') };
  } finally {
    process.chdir(cwd);
  }
}
