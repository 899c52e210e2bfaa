import type { KeyRing } from '../crypto/keys.ts';
import type { AuditEvent } from './event.ts';
import { GENESIS, removed, verifyChain } from './chain.ts';
import { checkpointProblem, unknownKey, type Checkpoint } from './checkpoint.ts';

/** The audit log as one snapshot: its events and the head checkpoint stored beside them. */
export interface AuditLog {
  events: AuditEvent[];
  head: Checkpoint | undefined;
}

/** A checkpoint kept outside the database: `audit checkpoint` output (MAC'd), or a witness (seq and hash). */
export type OutsideCheckpoint = Pick<Checkpoint, 'seq' | 'hash'> & Partial<Pick<Checkpoint, 'keyId' | 'mac'>>;

export type LogCheck =
  | { ok: true; events: number; unkeyed: number; head: number }
  | { ok: false; seq: number | null; problem: string; unverified?: true };

const ends = (lastSeq: number): string =>
  lastSeq === 0 ? 'the log has no events' : `the log ends at event ${lastSeq}`;

function againstCheckpoint(events: AuditEvent[], cp: OutsideCheckpoint, keys: KeyRing): LogCheck | undefined {
  if (cp.keyId !== undefined || cp.mac !== undefined) {
    const problem = checkpointProblem(
      { seq: cp.seq, hash: cp.hash, keyId: cp.keyId ?? '', mac: cp.mac ?? '' },
      keys,
    );
    if (problem === 'unknown_key')
      return { ok: false, seq: null, problem: unknownKey('the checkpoint', cp.keyId ?? '') };
    if (problem === 'forged')
      return {
        ok: false,
        seq: null,
        problem: "the checkpoint's MAC does not match: the checkpoint was changed, or is not from this app",
      };
  }
  if (cp.seq > events.length)
    return {
      ok: false,
      seq: events.length + 1,
      problem: `the checkpoint records event ${cp.seq} but ${ends(events.length)}: ${removed(events.length + 1, cp.seq)} since it was taken`,
    };
  if ((cp.seq === 0 ? GENESIS : events[cp.seq - 1]!.hash) !== cp.hash)
    return {
      ok: false,
      seq: cp.seq,
      problem:
        'it differs from the checkpoint: the log was rewritten at or before this event, by someone holding the key',
    };
  return undefined;
}

function againstHead(
  events: AuditEvent[],
  head: Checkpoint | undefined,
  keys: KeyRing,
): LogCheck | undefined {
  const lastSeq = events.length;
  if (!head) {
    if (lastSeq > 0 && events.every((e) => e.keyId === null))
      return {
        ok: false,
        seq: null,
        unverified: true,
        problem: `events 1 to ${lastSeq} were written before the chain was keyed and no keyed event follows them: start the app (this version), which seals them under its key, then verify again`,
      };
    return {
      ok: false,
      seq: null,
      problem:
        'the head checkpoint is missing: it was deleted (the app writes it when it first opens the store)',
    };
  }
  const problem = checkpointProblem(head, keys);
  if (problem === 'unknown_key')
    return { ok: false, seq: null, problem: unknownKey('the head checkpoint', head.keyId) };
  if (problem === 'forged')
    return { ok: false, seq: null, problem: "the head checkpoint's MAC does not match: it was forged" };
  if (head.seq > lastSeq)
    return {
      ok: false,
      seq: lastSeq + 1,
      problem: `the head checkpoint records event ${head.seq} but ${ends(lastSeq)}: ${removed(lastSeq + 1, head.seq)}`,
    };
  if (head.seq < lastSeq)
    return {
      ok: false,
      seq: head.seq + 1,
      problem: `the head checkpoint records event ${head.seq}: the events after it were not appended by the app, or the checkpoint was put back to an earlier one`,
    };
  if ((events.at(-1)?.hash ?? GENESIS) !== head.hash)
    return { ok: false, seq: head.seq, problem: 'it differs from the head checkpoint' };
  return undefined;
}

/**
 * Everything `audit verify` checks, in order: the chain (links, hashes, MACs), a checkpoint kept
 * outside the database if given, then the head checkpoint beside the events. The first problem
 * found is reported, with the first event it concerns where there is one.
 */
export function verifyLog(log: AuditLog, keys: KeyRing, checkpoint?: OutsideCheckpoint): LogCheck {
  const chain = verifyChain(log.events, keys);
  if (!chain.ok) return chain;
  const problem =
    (checkpoint && againstCheckpoint(log.events, checkpoint, keys)) ??
    againstHead(log.events, log.head, keys);
  if (problem) return problem;
  return {
    ok: true,
    events: log.events.length,
    unkeyed: log.events.filter((e) => e.keyId === null).length,
    head: log.head!.seq,
  };
}
