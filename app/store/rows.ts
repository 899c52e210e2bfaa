import { GENESIS, eventHash } from '../audit/chain.ts';
import type { AuditEvent, StoredRequest } from './types.ts';

/**
 * The columns both stores index a request by, in the order of their INSERT and UPDATE statements:
 * status, check_run_id, repository_id, run_id, run_attempt, token_unrevoked, body, expires_at, revoke_at.
 */
export function requestColumns(
  r: StoredRequest,
): [string, number | null, string, string, string, boolean, string, number, number | null] {
  return [
    r.status,
    r.checkRunId,
    r.claims.repository_id,
    r.claims.run_id,
    r.claims.run_attempt,
    r.token !== null && r.token.revokedAt === null,
    JSON.stringify({ ...r, version: undefined }),
    r.expiresAt,
    r.token?.revokeAt ?? null,
  ];
}

/** The next event of the chain after `last` (the newest stored event, if any). */
export function nextAuditEvent(
  last: Record<string, unknown> | undefined,
  type: string,
  requestId: string | null,
  data: Record<string, unknown>,
  at: number,
): AuditEvent {
  // The JSON round trip hashes the data exactly as the store will hand it back for verification.
  const partial = {
    seq: Number(last?.seq ?? 0) + 1,
    at,
    type,
    requestId,
    data: JSON.parse(JSON.stringify(data)) as Record<string, unknown>,
    prevHash: last ? String(last.hash) : GENESIS,
  };
  return { ...partial, hash: eventHash(partial) };
}

/** An audit row, as either store returns it (SQLite holds data as text, PostgreSQL as JSONB). */
export function auditFromRow(row: Record<string, unknown>): AuditEvent {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    type: String(row.type),
    requestId: row.request_id === null ? null : String(row.request_id),
    data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>,
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}
