// Glob matching in time linear in the value's length (times the pattern's), whatever either holds:
// the pattern is compiled once into a small automaton, and a value is read once, keeping the set of
// automaton states it may be in. No backtracking: a ref of 255 characters against a pattern of many
// `*` costs what any other does (a regular expression can take exponential time there).

/** One step of a pattern: a character, `?`, `*` (within a segment), or a `**` segment form. */
type Token =
  | { kind: 'char'; c: string }
  | { kind: 'one' } // `?`: one character but `/`
  | { kind: 'star' } // `*`: any characters but `/`, none included
  | { kind: 'plus' } // `*` as a whole segment: at least one character but `/`
  | { kind: 'lead' } // `**/` at the start: nothing, or anything that ends with `/`
  | { kind: 'middle' } // `/**/`: `/`, or `/` anything `/`
  | { kind: 'tail' }; // `/**` at the end: nothing, or `/` and anything

/** The tokens of a glob (valid by `globProblem`: `**` only as a whole segment, no escapes). */
function tokens(pattern: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  if (pattern.startsWith('**/')) {
    out.push({ kind: 'lead' });
    i = 3;
  }
  while (i < pattern.length) {
    if (pattern.startsWith('/**/', i)) {
      out.push({ kind: 'middle' });
      i += 4;
    } else if (pattern.startsWith('/**', i) && i + 3 === pattern.length) {
      out.push({ kind: 'tail' });
      i += 3;
    } else {
      const c = pattern[i]!;
      // A `*` that is a whole segment (`a/*`, `*/b`, `*`) names a segment: it matches at least one
      // character, as picomatch's does; within a name (`deploy-*`) it may match none.
      const whole =
        c === '*' &&
        (i === 0 || pattern[i - 1] === '/') &&
        (i + 1 === pattern.length || pattern[i + 1] === '/');
      out.push(
        c === '*' ? { kind: whole ? 'plus' : 'star' } : c === '?' ? { kind: 'one' } : { kind: 'char', c },
      );
      i++;
    }
  }
  return out;
}

/**
 * The automaton: state `k` means "the first k tokens are matched"; the composite tokens have an
 * inner state (inside `lead`, `middle` or `tail`: having read some of their "anything"). States are
 * numbered 2k (before token k) and 2k+1 (inside token k).
 */
export function globMatcher(pattern: string, nocase = false): (value: string) => boolean {
  if (pattern === '**') return () => true;
  const toks = tokens(nocase ? pattern.toLowerCase() : pattern);
  const n = toks.length;
  const size = 2 * n + 2;
  /** Adds state `s` and what it reaches without reading (ε). */
  const close = (set: Uint8Array, s: number): void => {
    const stack = [s];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (set[x]) continue;
      set[x] = 1;
      if (x % 2 === 1) {
        const t = toks[(x - 1) / 2]!;
        if (t.kind === 'tail') stack.push(x + 1); // `/` and anything so far: done with it
        continue;
      }
      const k = x / 2;
      if (k >= n) continue;
      const t = toks[k]!;
      if (t.kind === 'star' || t.kind === 'lead' || t.kind === 'tail') stack.push(x + 2); // nothing
    }
  };
  return (raw: string): boolean => {
    const value = nocase ? raw.toLowerCase() : raw;
    let current = new Uint8Array(size);
    close(current, 0);
    for (const c of value) {
      const next = new Uint8Array(size);
      let any = false;
      for (let x = 0; x < size; x++) {
        if (!current[x]) continue;
        if (x % 2 === 1) {
          const t = toks[(x - 1) / 2]!;
          // Inside lead / middle / tail: "anything", where lead and middle end at a `/`.
          close(next, x);
          if (c === '/' && t.kind !== 'tail') close(next, x + 1);
          any = true;
          continue;
        }
        const k = x / 2;
        if (k >= n) continue;
        const t = toks[k]!;
        if (t.kind === 'char' && t.c === c) close(next, x + 2);
        else if (t.kind === 'one' && c !== '/') close(next, x + 2);
        else if (t.kind === 'star' && c !== '/') close(next, x);
        else if (t.kind === 'plus' && c !== '/') {
          close(next, x + 2);
          close(next, x);
        } else if (t.kind === 'lead') {
          close(next, x + 1);
          if (c === '/') close(next, x + 2);
        } else if (t.kind === 'middle' && c === '/') {
          close(next, x + 2);
          close(next, x + 1);
        } else if (t.kind === 'tail' && c === '/') close(next, x + 1);
        else continue;
        any = true;
      }
      if (!any) return false;
      current = next;
    }
    return current[2 * n] === 1;
  };
}
