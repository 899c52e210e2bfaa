import type { StatementSync } from 'node:sqlite';
import { planAppend, type NewAuditEvent } from '../audit/append.ts';
import type { KeyRing } from '../crypto/keys.ts';
import { auditValues, headFromRow } from './rows.ts';
import type { AuditEvent } from '../audit/event.ts';

type Row = Record<string, unknown>;

/**
 * In the caller's transaction: appends `next` (and what the chain's state calls for) and moves
 * the head checkpoint. `sql` is the store's statement for a text (prepared once).
 */
export function extendChain(
  sql: (text: string) => StatementSync,
  keys: KeyRing | undefined,
  next: NewAuditEvent | undefined,
  at: number,
): AuditEvent | undefined {
  if (!keys)
    throw new Error(
      'this store was opened without the audit key: it can read the audit log, not append to it',
    );
  const last = sql('SELECT seq, hash, key_id FROM audit ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
  const plan = planAppend(
    {
      head: headFromRow(sql('SELECT * FROM audit_head WHERE id = 1').get() as Row | undefined),
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
    sql(
      'INSERT INTO audit (seq, at, type, request_id, data, prev_hash, hash, key_id, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(...(auditValues(e) as never[]));
  if (plan.head)
    sql(
      `INSERT INTO audit_head (id, seq, hash, key_id, mac) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, key_id = excluded.key_id, mac = excluded.mac`,
    ).run(plan.head.seq, plan.head.hash, plan.head.keyId, plan.head.mac);
  return plan.events.at(-1);
}
