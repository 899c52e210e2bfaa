import type pg from 'pg';
import { planAppend, type NewAuditEvent } from '../audit/append.ts';
import type { KeyRing } from '../crypto/keys.ts';
import { auditValues, headFromRow } from './rows.ts';
import type { AuditEvent } from './types.ts';

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
  await c.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
  const last = (await c.query('SELECT seq, hash, key_id FROM audit ORDER BY seq DESC LIMIT 1')).rows[0] as
    Row | undefined;
  const plan = planAppend(
    {
      head: headFromRow((await c.query('SELECT * FROM audit_head WHERE id = 1')).rows[0] as Row | undefined),
      last: last && {
        seq: Number(last.seq),
        hash: String(last.hash),
        keyId: (last.key_id as string | null) ?? null,
      },
    },
    keys,
    next,
    at,
  );
  for (const e of plan.events)
    await c.query(
      'INSERT INTO audit (seq, at, type, request_id, data, prev_hash, hash, key_id, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      auditValues(e),
    );
  if (plan.head)
    await c.query(
      `INSERT INTO audit_head (id, seq, hash, key_id, mac) VALUES (1, $1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, key_id = excluded.key_id, mac = excluded.mac`,
      [plan.head.seq, plan.head.hash, plan.head.keyId, plan.head.mac],
    );
  return plan.events.at(-1);
}
