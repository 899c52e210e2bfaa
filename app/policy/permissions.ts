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

/** A permission a token would need beyond what the app's installation holds. */
export interface Shortfall {
  name: string;
  needs: Level;
  /** What the installation holds of it: a level, or none. */
  holds: string | null;
}

/**
 * The permissions in `wanted` that `held` (an installation's, as GitHub gives them) does not cover
 * at the level wanted: a token asking for them cannot be minted.
 */
export function shortfall(wanted: Permissions, held: Readonly<Record<string, string>>): Shortfall[] {
  return Object.entries(wanted).flatMap(([name, needs]) => {
    const holds = Object.hasOwn(held, name) ? held[name]! : null;
    const rankHeld = holds === null ? -1 : LEVELS.indexOf(holds as Level);
    return rankHeld >= rank(needs) ? [] : [{ name, needs, holds }];
  });
}

/** `contents: write (the installation holds read)`, for each shortfall. */
export const formatShortfall = (s: readonly Shortfall[]): string =>
  s.map((x) => `${x.name}: ${x.needs} (the installation holds ${x.holds ?? 'none'})`).join(', ');
