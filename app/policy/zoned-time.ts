/** Wall-clock time in an IANA time zone, computed with Intl (no I/O, DST-aware). */
export interface WallClock {
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** Minutes since local midnight. */
  minute: number;
  year: number;
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `name` is a time zone this runtime's IANA database knows. */
export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** UTC offset (ms) by asking Intl for the wall clock: exact, but costs microseconds. */
function intlOffsetMs(epochMs: number, timeZone: string): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(epochMs)) parts[p.type] = p.value;
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
  );
  return wall - Math.floor(epochMs / 60_000) * 60_000;
}

/**
 * Offsets change only at transitions, and modern zones' offsets are multiples of 15 minutes, so
 * every transition falls on a 15-minute UTC boundary: the offset is constant within each bucket.
 */
const BUCKET_MS = 15 * 60_000;
const MAX_CACHED = 10_000;
const offsetCache = new Map<string, Map<number, number>>();

function offsetMs(epochMs: number, timeZone: string): number {
  let zone = offsetCache.get(timeZone);
  if (!zone) offsetCache.set(timeZone, (zone = new Map()));
  const bucket = Math.floor(epochMs / BUCKET_MS);
  let offset = zone.get(bucket);
  if (offset === undefined) {
    if (zone.size >= MAX_CACHED) zone.clear();
    offset = intlOffsetMs(bucket * BUCKET_MS, timeZone);
    zone.set(bucket, offset);
  }
  return offset;
}

export function wallClock(epochMs: number, timeZone: string): WallClock {
  const local = new Date(epochMs + offsetMs(epochMs, timeZone));
  return {
    weekday: (local.getUTCDay() + 6) % 7,
    minute: local.getUTCHours() * 60 + local.getUTCMinutes(),
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
  };
}

/**
 * The instant at which the wall clock in `timeZone` shows `minute` on the given date, resolved
 * like Temporal's `compatible` disambiguation: a time shown twice (DST ends) is its first
 * occurrence; a time skipped (DST starts) moves forward by the length of the gap (02:30 -> 03:30).
 */
export function zonedInstant(
  date: { year: number; month: number; day: number },
  minute: number,
  timeZone: string,
): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minute);
  // The offsets a day before and after bracket any DST change near this date.
  const before = wall - offsetMs(wall - 86_400_000, timeZone);
  const after = wall - offsetMs(wall + 86_400_000, timeZone);
  const shows = (t: number): boolean => {
    const w = wallClock(t, timeZone);
    return w.day === date.day && w.minute === minute % 1440;
  };
  const exact = [before, after].filter(shows);
  return exact.length > 0 ? Math.min(...exact) : before;
}

/** The calendar date `days` after the given one, with its weekday (0 = Monday). */
export function addDays(
  date: { year: number; month: number; day: number },
  days: number,
): { year: number; month: number; day: number; weekday: number } {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: (d.getUTCDay() + 6) % 7,
  };
}
