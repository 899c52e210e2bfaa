import type pg from 'pg';
import { planAppend, type NewAuditEvent } from '../audit/append.ts';
import type { KeyRing } from '../crypto/keys.ts';
import { auditValues, headFromRow } from './rows.ts';
import type { AuditEvent } from '../audit/event.ts';

/** Advisory lock key of appending to the audit chain. */
const AUDIT_LOCK = 7_400_002;

type Row = Record<string, unknown>;

/**
 * In the transaction of `c`: appends `next` (and what the chain's state calls for) and moves the
 * head checkpoint, under a transaction-scoped advisory lock (one chain across instances).
 */
export async function extendChain(
  c: pg.PoolClient,
  keys: KeyRing | undefined,
  next: NewAuditEvent | undefined,
  at: number,
): Promise<AuditEvent | undefined> {
  if (!keys)
    throw new Error(
      'this store was opened without the audit key: it can read the audit log, not append to it',
    );
  // The lock and both ends of the chain in one round trip; the rows and the head in one more.
  const tail = (await c.query('SELECT * FROM audit_tail($1)', [AUDIT_LOCK])).rows[0] as Row;
  const plan = planAppend(
    {
      head:
        tail.head_seq === null
          ? undefined
          : headFromRow({
              seq: tail.head_seq,
              hash: tail.head_hash,
              key_id: tail.head_key_id,
              mac: tail.head_mac,
            }),
      last:
        tail.last_seq === null
          ? undefined
          : {
              seq: Number(tail.last_seq),
              hash: String(tail.last_hash),
              keyId: (tail.last_key_id as string | null) ?? null,
            },
    },
    keys,
    next,
    at,
  );
  const values: unknown[] = [];
  const rows = plan.events.map((e) => {
    const row = auditValues(e);
    const at = values.length;
    values.push(...row);
    return `(${row.map((_, i) => `$${at + i + 1}`).join(', ')})`;
  });
  const insertEvents =
    rows.length === 0
      ? ''
      : `INSERT INTO audit (seq, at, type, request_id, data, prev_hash, hash, key_id, mac) VALUES ${rows.join(', ')}`;
  let moveHead = '';
  if (plan.head) {
    const n = values.length;
    values.push(plan.head.seq, plan.head.hash, plan.head.keyId, plan.head.mac);
    moveHead = `INSERT INTO audit_head (id, seq, hash, key_id, mac) VALUES (1, $${n + 1}, $${n + 2}, $${n + 3}, $${n + 4})
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, key_id = excluded.key_id, mac = excluded.mac`;
  }
  if (insertEvents && moveHead)
    await c.query(`WITH events AS (${insertEvents} RETURNING 1) ${moveHead}`, values);
  else if (insertEvents || moveHead) await c.query(insertEvents || moveHead, values);
  return plan.events.at(-1);
}
