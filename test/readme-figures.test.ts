// Every size the README and docs/ state is measured here: a bundle that grows makes this fail until
// the page says its new size (within 15%), and a size nobody measures may not be stated.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundle } from '../scripts/bundle.ts';
import { root } from './helpers/cli.ts';
import { DOC_FILES, readDoc } from './helpers/docs.ts';

const UNIT = { kB: 1000, MB: 1_000_000 } as const;

/** What each stated size is of: the file named just before it, measured (built where need be). */
const MEASURED: Record<string, () => Promise<number>> = {
  'action/dist/index.js': async () => statSync(join(root, 'action/dist/index.js')).size,
  'validate/dist/index.js': async () => statSync(join(root, 'validate/dist/index.js')).size,
  'dist/server/main.mjs': async () => {
    const dir = mkdtempSync(join(tmpdir(), 'server-size-'));
    return statSync(join(dir, (await bundle('server', dir))[0]!)).size;
  },
  'the 13 MB description': async () =>
    statSync(join(root, 'node_modules/@octokit/openapi/generated/api.github.com.json')).size,
};

/**
 * Every `about N kB|MB` and `the N MB description` in the README and docs/, with the 200 characters
 * before it in its own file. The runbook is left out: its figures are memory, measured in
 * BENCHMARKS.md, not sizes of files (it was never read here).
 */
const stated = DOC_FILES.filter((file) => file !== 'docs/runbook.md').flatMap((file) => {
  const readme = readDoc(file);
  return [...readme.matchAll(/(?:about|the) (\d+(?:\.\d+)?) (kB|MB)\b/g)].map((m) => ({
    figure: m[0],
    bytes: Number(m[1]) * UNIT[m[2] as keyof typeof UNIT],
    before: readme.slice(Math.max(0, m.index - 200), m.index + m[0].length + 12),
  }));
});

describe('the sizes the README and docs/ state', () => {
  it('are each of a file this test measures', () => {
    expect(stated.length).toBeGreaterThanOrEqual(4);
    for (const s of stated)
      expect(
        Object.keys(MEASURED).some((what) => s.before.includes(what)),
        `"${s.figure}" is not of a file this test measures: measure it here, or do not state it`,
      ).toBe(true);
  });

  it.each(stated)(
    '"$figure" is within 15 percent of the measured size',
    async (s) => {
      const what = Object.keys(MEASURED)
        .filter((w) => s.before.includes(w))
        .sort((a, b) => s.before.lastIndexOf(b) - s.before.lastIndexOf(a))[0]!;
      const actual = await MEASURED[what]!();
      expect(Math.abs(actual - s.bytes) / actual, `${what} is ${actual} bytes`).toBeLessThanOrEqual(0.15);
    },
    60_000,
  );
});
