import { globMatcher } from './glob-match.ts';

/**
 * Globs are whole-string: `*` matches within a path segment (at least one character where it is
 * the whole segment), `**` as a whole segment matches any run of segments, `?` one character but
 * `/`. Every other character means itself: brackets, braces, parentheses, `|`, `+`, `@` and a
 * leading `!` are literal, so `renovate[bot]` is. Matching takes time linear in the value
 * (glob-match.ts): a value nobody chose (a branch name) never costs more than any other.
 */

export type Matcher = (value: string) => boolean;

/** What is wrong with a pattern, or undefined when it is a valid glob. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.trim() !== pattern) return 'has leading or trailing spaces';
  if ([...pattern].some((c) => c < ' ' || c === '\u007f')) return 'contains a control character';
  if (pattern.includes('***')) return 'has `***`; use `*` within a segment or `**` across `/`';
  const segments = pattern.split('/');
  if (segments.some((s) => s.includes('**') && s !== '**')) {
    return '`**` must stand alone between slashes (like `a/**/b`); use `*` inside a name';
  }
  if (pattern.includes('\\')) return 'contains `\\`; escapes are not supported';
  if (segments.some((s, i) => s === '**' && segments[i + 1] === '**'))
    return '`**/**` says what `**` says: write `**` once';
  return undefined;
}

/** Compiles a list of patterns into one matcher (any pattern matching the whole value). */
export function compileGlobs(patterns: readonly string[], opts: { nocase?: boolean } = {}): Matcher {
  if (patterns.includes('**')) return () => true;
  const literals = new Set<string>();
  const globs: Matcher[] = [];
  for (const p of patterns) {
    if (p.includes('*') || p.includes('?')) globs.push(globMatcher(p, opts.nocase === true));
    else literals.add(opts.nocase ? p.toLowerCase() : p);
  }
  return (value) => {
    if (literals.has(opts.nocase ? value.toLowerCase() : value)) return true;
    for (const match of globs) if (match(value)) return true;
    return false;
  };
}
