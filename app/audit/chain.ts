import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { keyById, keyRing, NOT_CONFIGURED, type KeyRing } from '../crypto/keys.ts';
import type { AuditEvent } from './event.ts';

export const GENESIS = '0'.repeat(64);

/** The event the app writes when it finds the head checkpoint missing or forged: evidence, never healed. */
export const HEAD_INVALID = 'audit_head_invalid';

/** Keys for the audit chain's MACs, derived from the app's private key(s) (apart from the token key). */
export const auditKeys = (privateKeyPem: string, previous: readonly string[] = []): KeyRing =>
  keyRing('audit chain', privateKeyPem, previous);

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

/** The hash of an event: its content and the hash of the event before it. Anyone can recompute it. */
export function eventHash(
  e: Pick<AuditEvent, 'seq' | 'at' | 'type' | 'requestId' | 'data' | 'prevHash'>,
): string {
  return createHash('sha256')
    .update(
      `${e.prevHash}\n${canonical({ seq: e.seq, at: e.at, type: e.type, requestId: e.requestId, data: e.data })}`,
    )
    .digest('hex');
}

const hmac = (key: Buffer, text: string): string => createHmac('sha256', key).update(text).digest('hex');

/** HMAC-SHA256 of an event's hash (which covers its content and every event before it). Needs the key. */
export const eventMac = (key: Buffer, hash: string): string => hmac(key, `event\n${hash}`);

/** HMAC-SHA256 of a checkpoint: "the log ended at event `seq`, whose hash was `hash`". */
export const checkpointMac = (key: Buffer, seq: number, hash: string): string =>
  hmac(key, `checkpoint\n${seq}\n${hash}`);

export const sameHex = (a: string | null, b: string): boolean =>
  a !== null && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export type ChainCheck = { ok: true; events: number } | { ok: false; seq: number; problem: string };

export const removed = (from: number, to: number): string =>
  from === to ? `event ${from} was removed` : `events ${from} to ${to} were removed`;

/** Why one event does not hold under `keys`, if it does not. */
function macProblem(e: AuditEvent, keys: KeyRing, keyedBefore: boolean): string | undefined {
  if (e.keyId === null)
    return keyedBefore
      ? 'it carries no MAC, though earlier events do (it was written without the key)'
      : undefined;
  const key = keyById(keys, e.keyId);
  if (!key) return `it is authenticated under key ${e.keyId}, ${NOT_CONFIGURED}`;
  if (!sameHex(e.mac, eventMac(key.key, e.hash)))
    return 'its MAC does not match (it was changed or written without the key)';
  if (e.type === HEAD_INVALID)
    return `the app found the head checkpoint ${String(e.data.problem)} when it wrote this event: events after ${String(e.data.last_seq)} may have been removed and the checkpoint deleted or forged to hide it`;
  return undefined;
}

/**
 * Walks the chain from event 1 and reports the first event that does not hold: a missing
 * sequence number, a broken link, changed content, and with `keys` a MAC that does not match
 * (or an event the app wrote on finding the head checkpoint missing). Events without a MAC are
 * accepted only before the first one with a MAC (written before the chain was keyed).
 * Without `keys` only the links and hashes are checked, which anyone could recompute.
 */
export function verifyChain(events: readonly AuditEvent[], keys?: KeyRing): ChainCheck {
  let prev = GENESIS;
  let keyed = false;
  for (const [i, e] of events.entries()) {
    const expected = i + 1;
    if (e.seq !== expected)
      return e.seq > expected
        ? {
            ok: false,
            seq: expected,
            problem: `${removed(expected, e.seq - 1)} (the next stored event is ${e.seq})`,
          }
        : { ok: false, seq: e.seq, problem: `event ${e.seq} is stored twice or out of order` };
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
    const problem = keys && macProblem(e, keys, keyed);
    if (problem) return { ok: false, seq: e.seq, problem };
    keyed ||= e.keyId !== null;
    prev = e.hash;
  }
  return { ok: true, events: events.length };
}
