import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../app/policy/load.ts';
import { load } from '../helpers/policies.ts';

const EXAMPLES = new URL('../../examples/.approvals/', import.meta.url);
const seeds = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.yml'))
  .map((f) => readFileSync(new URL(f, EXAMPLES)));

/** A hang guard, not a speed target: each load must finish far below this. */
const HANG_MS = 2_000;

const TOKENS = [
  ': ',
  '- ',
  '[',
  ']',
  '{',
  '}',
  '&a ',
  '*a',
  '<<: *a',
  '"',
  "'",
  '\n',
  '  ',
  '\t',
  '#',
  '---',
  '...',
  '|',
  '>',
  '!!str ',
  '!!binary ',
  '? ',
  ',',
  '__proto__',
  'constructor',
  'version: 1',
  'policies:',
  '~',
  '%YAML 1.1',
  '\u0000',
  '\uFEFF',
  '\u2028',
  '"\\u0000"',
  '0x1F',
  '.inf',
  'null',
  '2026-01-01',
];

function mutate(seed: Uint8Array, ops: [number, number, number][]): Uint8Array {
  const bytes = [...seed];
  for (const [kind, at, value] of ops) {
    const i = bytes.length === 0 ? 0 : at % bytes.length;
    if (kind === 0)
      bytes[i] = value & 0xff; // flip a byte (may break UTF-8)
    else if (kind === 1)
      bytes.splice(i, (value % 40) + 1); // delete a run
    else bytes.splice(i, 0, ...new TextEncoder().encode(TOKENS[value % TOKENS.length]!)); // insert a YAML token
  }
  return new Uint8Array(bytes);
}

function assertWellFormed(result: LoadResult): void {
  if (result.ok) {
    for (const p of result.policies) expect(typeof p.match).toBe('function');
    return;
  }
  expect(result.errors.length).toBeGreaterThan(0);
  for (const e of result.errors) {
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.column).toBeGreaterThanOrEqual(1);
    expect(typeof e.file).toBe('string');
    expect(e.message.length).toBeGreaterThan(0);
    expect(e.fix.length).toBeGreaterThan(0);
    expect(e.message).not.toMatch(/\n\s+at /); // no stack trace
  }
}

function loadTimed(content: string | Uint8Array): LoadResult {
  const started = performance.now();
  const result = load({ 'fuzz.yml': content });
  expect(performance.now() - started).toBeLessThan(HANG_MS);
  return result;
}

describe('the loader never throws or hangs', () => {
  it('on mutated policy files', () => {
    const op = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat(), fc.nat({ max: 255 }));
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(op, { minLength: 1, maxLength: 12 }), (seed, ops) => {
        assertWellFormed(loadTimed(mutate(seed, ops)));
      }),
      { numRuns: 600 },
    );
  });

  it('on random text built from YAML tokens', () => {
    const text = fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 })), {
      maxLength: 80,
    });
    fc.assert(
      fc.property(text, (parts) => assertWellFormed(loadTimed(parts.join('')))),
      { numRuns: 600 },
    );
  });

  it('on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), (bytes) => assertWellFormed(loadTimed(bytes))),
      { numRuns: 300 },
    );
  });

  it('on random JSON values as documents', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) =>
        assertWellFormed(loadTimed(JSON.stringify(value))),
      ),
      { numRuns: 300 },
    );
  });
});
