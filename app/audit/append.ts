import { ConfigError } from '../config/config-error.ts';
import type { KeyRing } from '../crypto/keys.ts';
import type { AuditEvent } from './event.ts';
import { eventHash, eventMac, GENESIS, HEAD_INVALID } from './chain.ts';
import {
  checkpointProblem,
  genesisCheckpoint,
  signCheckpoint,
  unknownKey,
  type Checkpoint,
} from './checkpoint.ts';

/** What a store reads, in the appending transaction, to extend the chain. */
export interface ChainEnd {
  head: Checkpoint | undefined;
  /** The stored event with the highest sequence number. */
  last: Pick<AuditEvent, 'seq' | 'hash' | 'keyId'> | undefined;
}

export interface NewAuditEvent {
  type: string;
  requestId: string | null;
  data: Record<string, unknown>;
  at: number;
}

/** The rows to insert and the head checkpoint to write, all in one transaction. */
export interface AppendPlan {
  events: AuditEvent[];
  head: Checkpoint | undefined;
}

/**
 * Plans the append of `next` (or, without it, only what a keyed store does when it opens). The
 * chain continues from the head checkpoint when rows after it are gone, so a cut tail stays a gap.
 * Before `next` it may add one event: `audit_keyed` to seal a chain written before keys (its MAC
 * covers every earlier hash), or `audit_head_invalid` when the head is missing or forged, so the
 * next append does not quietly heal what was done. A head under a key not configured stops here.
 */
export function planAppend(
  end: ChainEnd,
  keys: KeyRing,
  next: NewAuditEvent | undefined,
  at: number,
): AppendPlan {
  const { head, last } = end;
  const lastSeq = last?.seq ?? 0;
  let prev = { seq: lastSeq, hash: last?.hash ?? GENESIS };
  const pending: NewAuditEvent[] = [];
  const evidence = (problem: string): NewAuditEvent => ({
    type: HEAD_INVALID,
    requestId: null,
    data: { problem, last_seq: lastSeq, ...(head && { head_seq: head.seq }) },
    at,
  });
  if (head) {
    const problem = checkpointProblem(head, keys);
    // A store another key wrote (a second registration on the same DATA_DIR, or a rotation without
    // the previous key): the operator fixes it with a setting, so it is told as one.
    if (problem === 'unknown_key')
      throw new ConfigError(
        'PRIVATE_KEY',
        unknownKey("the store's audit log head checkpoint", head.keyId),
        'Or give this app a store of its own (another DATA_DIR, or DATABASE_SCHEMA)',
      );
    if (problem === 'forged') pending.push(evidence('forged'));
    else if (head.seq > lastSeq) prev = head;
  } else if (last && last.keyId === null) {
    pending.push({ type: 'audit_keyed', requestId: null, data: { unkeyed_events: lastSeq }, at });
  } else if (last) {
    pending.push(evidence('missing'));
  }
  if (next) pending.push(next);
  const events = pending.map((e) => {
    // The JSON round trip hashes the data exactly as the store will hand it back for verification.
    const partial = {
      seq: prev.seq + 1,
      at: e.at,
      type: e.type,
      requestId: e.requestId,
      data: JSON.parse(JSON.stringify(e.data)) as Record<string, unknown>,
      prevHash: prev.hash,
    };
    const hash = eventHash(partial);
    prev = { seq: partial.seq, hash };
    return { ...partial, hash, keyId: keys.current.id, mac: eventMac(keys.current.key, hash) };
  });
  const newest = events.at(-1);
  if (newest) return { events, head: signCheckpoint(keys.current, newest.seq, newest.hash) };
  // Nothing to add: a new log gets its empty head; a valid head under a previous key is re-signed.
  if (!head) return { events, head: genesisCheckpoint(keys.current) };
  return {
    events,
    head: head.keyId === keys.current.id ? undefined : signCheckpoint(keys.current, head.seq, head.hash),
  };
}
