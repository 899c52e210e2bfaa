import { createHash } from 'node:crypto';
import type { AuditEvent } from '../store/types.ts';

export const GENESIS = '0'.repeat(64);

/** Canonical JSON: keys sorted at every level, so the hash does not depend on key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The hash of an event: its content and the hash of the event before it. */
export function eventHash(e: Omit<AuditEvent, 'hash'>): string {
  return createHash('sha256')
    .update(
      `${e.prevHash}\n${canonical({ seq: e.seq, at: e.at, type: e.type, requestId: e.requestId, data: e.data })}`,
    )
    .digest('hex');
}

export type ChainCheck = { ok: true; events: number } | { ok: false; seq: number; problem: string };

/** Recomputes the chain; reports the first event whose link or content does not hold. */
export function verifyChain(events: readonly AuditEvent[]): ChainCheck {
  let prev = GENESIS;
  let expectedSeq = 1;
  for (const e of events) {
    if (e.seq !== expectedSeq)
      return {
        ok: false,
        seq: e.seq,
        problem: `expected event ${expectedSeq}, found ${e.seq} (an event was removed or inserted)`,
      };
    if (e.prevHash !== prev)
      return {
        ok: false,
        seq: e.seq,
        problem: 'its link to the previous event does not match (an earlier event was changed or removed)',
      };
    if (eventHash(e) !== e.hash)
      return {
        ok: false,
        seq: e.seq,
        problem: 'its content does not match its hash (the event was changed)',
      };
    prev = e.hash;
    expectedSeq++;
  }
  return { ok: true, events: events.length };
}
