/** GitHub App permission levels, weakest first. */
export const LEVELS = ['read', 'write', 'admin'] as const;
export type Level = (typeof LEVELS)[number];
export type Permissions = Readonly<Record<string, Level>>;

const rank = (l: Level): number => LEVELS.indexOf(l);
export const lowerLevel = (a: Level, b: Level): Level => (rank(a) <= rank(b) ? a : b);

/** Per key present in every set, the lower level. */
export function intersectPermissions(sets: readonly Permissions[]): Record<string, Level> {
  const [first, ...rest] = sets;
  const out: Record<string, Level> = {};
  if (!first) return out;
  for (const [name, level] of Object.entries(first)) {
    let result: Level | undefined = level;
    for (const s of rest) {
      const other = Object.hasOwn(s, name) ? s[name] : undefined;
      result = other && result ? lowerLevel(result, other) : undefined;
    }
    if (result) out[name] = result;
  }
  return out;
}

export function formatPermissions(p: Permissions): string {
  const entries = Object.entries(p);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}: ${v}`).join(', ');
}
