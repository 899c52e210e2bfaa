import type { CompiledPolicy } from './compiled.ts';
import type { Reason } from './decision.ts';
import { inWindow, nextOpening } from './windows.ts';

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Freeze and window checks at `now`; reasons for each governing policy that forbids deciding now. */
export function timeDenials(
  governing: readonly CompiledPolicy[],
  now: number,
): { reasons: Reason[]; nextWindow?: number } {
  const reasons: Reason[] = [];
  let nextWindow: number | undefined;
  for (const p of governing) {
    for (const f of p.freeze) {
      if (now >= f.from && now < f.until) {
        reasons.push({
          rule: 'freeze',
          policy: p.name,
          message: `policy "${p.name}": inside freeze ${f.label}`,
        });
      }
    }
    if (p.windows.length > 0 && !p.windows.some((w) => inWindow(w, now))) {
      const opens = p.windows.map((w) => nextOpening(w, now)).filter((t) => t !== undefined);
      const next = opens.length > 0 ? Math.min(...opens) : undefined;
      if (next !== undefined) nextWindow = Math.max(nextWindow ?? next, next);
      const labels = p.windows.map((w) => w.label).join('; ');
      const when = next === undefined ? '' : `; next window opens ${iso(next)}`;
      reasons.push({
        rule: 'window',
        policy: p.name,
        message: `policy "${p.name}": outside its windows (${labels})${when}`,
      });
    }
  }
  return nextWindow === undefined ? { reasons } : { reasons, nextWindow };
}

export { iso };
