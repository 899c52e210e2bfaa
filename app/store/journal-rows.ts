import type { DeliveryIntent, MintIntent } from './types.ts';

type Row = Record<string, unknown>;
/** SQLite holds JSON as text, PostgreSQL as JSONB. */
const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

/** A `deliveries` row of either store. */
export const deliveryFromRow = (row: Row): DeliveryIntent => ({
  id: String(row.id),
  input: json(row.input) as Record<string, unknown>,
  at: Number(row.at),
  attempts: Number(row.attempts),
});

/** A `mints` row of either store. */
export const mintFromRow = (row: Row): MintIntent => ({
  id: String(row.id),
  requestId: String(row.request_id),
  secretHash: String(row.secret_hash),
  at: Number(row.at),
  minted: row.minted == null ? null : (json(row.minted) as MintIntent['minted']),
});
