import picomatch from 'picomatch';

/**
 * Globs are whole-string: `*` matches within a path segment, `**` across `/`, `?` one
 * character. Every other character means itself: brackets, braces, parentheses, `|`, `+`,
 * `@` and a leading `!` are escaped before picomatch sees them, so `renovate[bot]` is literal.
 */
const LITERAL = /[()[\]{}|+@!,]/g;
const escapeGlob = (pattern: string): string => pattern.replace(LITERAL, '\\$&');

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
  return undefined;
}

/** Compiles a list of patterns into one matcher (any pattern matching the whole value). */
export function compileGlobs(patterns: readonly string[], opts: { nocase?: boolean } = {}): Matcher {
  if (patterns.includes('**')) return () => true;
  const literals = new Set<string>();
  const globs: RegExp[] = [];
  for (const p of patterns) {
    if (/[*?]/.test(p))
      globs.push(picomatch.makeRe(escapeGlob(p), { dot: true, nocase: opts.nocase === true }));
    else literals.add(opts.nocase ? p.toLowerCase() : p);
  }
  return (value) => {
    if (literals.has(opts.nocase ? value.toLowerCase() : value)) return true;
    for (const re of globs) if (re.test(value)) return true;
    return false;
  };
}
