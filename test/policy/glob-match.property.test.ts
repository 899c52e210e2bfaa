// The linear glob matcher decides as the language defines globs (a plain recursive reference,
// exponential but fine on small inputs, states the definition), and in linear time on the shapes
// that make a backtracking matcher (a regular expression, picomatch's) take exponential time.
import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { globProblem } from '../../app/policy/glob.ts';
import { globMatcher } from '../../app/policy/glob-match.ts';

/**
 * The definition: `*` is any run of characters but `/` (at least one where the `*` is a whole
 * segment), `?` one character but `/`, a `**` segment any run of whole segments (none included),
 * every other character itself.
 */
function reference(pattern: string, value: string): boolean {
  if (pattern === '**') return true;
  const go = (p: string, v: string): boolean => {
    if (p === '') return v === '';
    if (p.startsWith('**/'))
      return go(p.slice(3), v) || [...v].some((c, i) => c === '/' && go(p.slice(3), v.slice(i + 1)));
    if (p === '/**') return v === '' || v.startsWith('/');
    if (p.startsWith('/**/')) {
      const rest = p.slice(4);
      return (
        v.startsWith('/') &&
        (go(rest, v.slice(1)) || [...v].some((c, i) => i > 0 && c === '/' && go(rest, v.slice(i + 1))))
      );
    }
    const c = p[0]!;
    if (c === '*') {
      for (let i = 0; i <= v.length; i++) {
        if (i > 0 && v[i - 1] === '/') break;
        if (go(p.slice(1), v.slice(i))) return true;
      }
      return false;
    }
    if (v === '') return false;
    if (c === '?') return v[0] !== '/' && go(p.slice(1), v.slice(1));
    return v[0] === c && go(p.slice(1), v.slice(1));
  };
  // A whole-segment `*` must match something: written as `?*` there, which says the same.
  const segments = pattern.split('/').map((s) => (s === '*' ? '?*' : s));
  return go(segments.join('/'), value);
}

const segment = fc
  .array(fc.constantFrom('a', 'b', '.', '-', '*', '?'), { minLength: 1, maxLength: 4 })
  .map((cs) => cs.join(''))
  .filter((s) => !s.includes('**'));
const pattern = fc
  .array(fc.oneof({ weight: 4, arbitrary: segment }, { weight: 1, arbitrary: fc.constant('**') }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((segs) => segs.join('/'))
  .filter((p) => globProblem(p) === undefined);
const value = fc
  .array(
    fc.array(fc.constantFrom('a', 'b', '.', '-'), { minLength: 0, maxLength: 4 }).map((cs) => cs.join('')),
    {
      minLength: 1,
      maxLength: 5,
    },
  )
  .map((segs) => segs.join('/'));

describe('the linear glob matcher', () => {
  it('decides as the definition does (property)', () => {
    fc.assert(
      fc.property(pattern, value, (p, v) => {
        expect(globMatcher(p)(v)).toBe(reference(p, v));
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads the hard shapes in linear time, where a backtracking matcher does not', () => {
    const p = `${'*a'.repeat(12)}*b`;
    const v = 'a'.repeat(34);
    let started = performance.now();
    expect(globMatcher(p)(v)).toBe(false);
    expect(globMatcher(`${'*a'.repeat(30)}*b`)('a'.repeat(1_000))).toBe(false);
    expect(globMatcher(`**/${'*a/'.repeat(10)}b`)(`${'a/'.repeat(500)}c`)).toBe(false);
    const linear = performance.now() - started;
    // picomatch's regular expression on the first shape: seconds (what a policy's `ref` glob cost).
    started = performance.now();
    picomatch.makeRe(p, { dot: true }).test(v.slice(0, 22));
    const backtracking = performance.now() - started;
    expect(linear).toBeLessThan(backtracking + 500); // a guard, not a benchmark
    expect(linear).toBeLessThan(2_000);
  });
});
