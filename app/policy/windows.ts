import type { Window } from './types.generated.ts';
import { addDays, wallClock, zonedInstant } from './zoned-time.ts';

export const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export interface CompiledWindow {
  /** Weekdays (0 = Monday) on which the window starts. */
  days: ReadonlySet<number>;
  /** Minutes since local midnight; `end` may be <= `start` (wraps past midnight) or 1440. */
  start: number;
  end: number;
  timezone: string;
  /** The window as written, for messages. */
  label: string;
}

const HOURS = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** `09:00-17:00` -> [540, 1020]; undefined when malformed. */
export function parseHours(text: string): [number, number] | undefined {
  const m = HOURS.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (end > 1440 || start === end) return undefined;
  return [start, end];
}

export function compileWindow(w: Window): CompiledWindow {
  const [start, end] = parseHours(w.hours ?? '00:00-24:00')!;
  const days = w.days ?? [...DAY_NAMES];
  const timezone = w.timezone ?? 'UTC';
  const dayText = w.days ? days.join(',') : 'every day';
  return {
    days: new Set(days.map((d) => DAY_NAMES.indexOf(d))),
    start,
    end,
    timezone,
    label: `${dayText} ${w.hours ?? '00:00-24:00'} ${timezone}`,
  };
}

/** Is `now` inside the window? Start inclusive, end exclusive; a wrapping window belongs to the day it starts. */
export function inWindow(w: CompiledWindow, nowMs: number): boolean {
  const { weekday, minute } = wallClock(nowMs, w.timezone);
  if (w.start < w.end) return w.days.has(weekday) && minute >= w.start && minute < w.end;
  const yesterday = (weekday + 6) % 7;
  return (w.days.has(weekday) && minute >= w.start) || (w.days.has(yesterday) && minute < w.end);
}

/** The next instant after `nowMs` at which the window opens (within the next 8 days). */
export function nextOpening(w: CompiledWindow, nowMs: number): number | undefined {
  const today = wallClock(nowMs, w.timezone);
  for (let offset = 0; offset <= 8; offset++) {
    const date = addDays(today, offset);
    if (!w.days.has(date.weekday)) continue;
    const at = zonedInstant(date, w.start, w.timezone);
    if (at > nowMs) return at;
  }
  return undefined;
}
