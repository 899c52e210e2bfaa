import type { CompiledFreeze } from './compiled.ts';
import { report, type Context } from './compile-context.ts';
import type { Policy } from './types.generated.ts';

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an ISO 8601 date-time with an offset; undefined when malformed or impossible. */
export function parseInstant(text: string): number | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m.map(Number);
  const date = new Date(Date.UTC(y!, mo! - 1, d!));
  if (date.getUTCMonth() !== mo! - 1 || date.getUTCDate() !== d! || h! > 23 || mi! > 59) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A policy's freezes (`freeze`), each checked (date-times, `from` before `until`) and labelled. */
export function compileFreeze(ctx: Context, p: Policy, base: string): CompiledFreeze[] {
  return (p.freeze ?? []).flatMap((f, i) => {
    const at = `${base}/freeze/${i}`;
    const from = parseInstant(f.from);
    const until = parseInstant(f.until);
    const fix = 'write an ISO 8601 date-time with an offset in quotes, e.g. "2026-12-20T00:00:00Z"';
    if (from === undefined)
      report(ctx, `${at}/from`, 'freeze', `freeze.from: "${f.from}" is not a date-time`, fix);
    if (until === undefined)
      report(ctx, `${at}/until`, 'freeze', `freeze.until: "${f.until}" is not a date-time`, fix);
    if (from === undefined || until === undefined) return [];
    if (from >= until) {
      report(
        ctx,
        `${at}/until`,
        'freeze',
        `freeze.until (${f.until}) is not after freeze.from (${f.from})`,
        'set `until` after `from`; `until` is exclusive',
      );
      return [];
    }
    const reason = f.reason ?? 'change freeze';
    return [{ from, until, reason, label: `${reason} (${f.from} – ${f.until})` }];
  });
}
