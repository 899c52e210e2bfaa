// What every section of BENCHMARKS.md is written with: number formats, the machine, verdicts, and
// the replacement of one section between its markers.
import { cpus, totalmem, platform, release } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';

export const FILE = new URL('../BENCHMARKS.md', import.meta.url);
export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits });

export function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${fmt(totalmem() / 2 ** 30, 1)} GiB; ${platform()} ${release()}; Node ${process.version}`;
}

/** Replaces (or appends) the block between `<!-- bench:NAME -->` markers. */
export async function writeSection(name: string, body: string): Promise<void> {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const current = await readFile(FILE, 'utf8').catch(
    () => '# Benchmarks\n\nWritten by `npm run bench`; each section is replaced when it runs again.\n',
  );
  const block = `${begin}\n${body.trim()}\n${end}`;
  const at = current.indexOf(begin);
  const next =
    at === -1
      ? `${current.trimEnd()}\n\n${block}\n`
      : `${current.slice(0, at)}${block}${current.slice(current.indexOf(end) + end.length)}`;
  await writeFile(FILE, next);
}

/** `met`, or a bold `missed`. */
export const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');
