/** Where the chain stood after a request's last event: its sequence number and chain hash. */
export interface AuditWitness {
  seq: number;
  hash: string;
}

/**
 * The witness of request `requestId`, to show outside the database (its check run): anyone who
 * later finds event `seq` with another hash, or missing, knows the log was rewritten or cut at or
 * before it, whoever held the key. `jit-approvals audit verify --checkpoint` takes it.
 */
export async function auditWitness(
  store: { lastAuditEvent(requestId: string): Promise<AuditWitness | undefined> },
  requestId: string,
): Promise<AuditWitness | undefined> {
  const last = await store.lastAuditEvent(requestId);
  return last && { seq: last.seq, hash: last.hash };
}

/** One line for a check run: `audit event 42, chain hash 3fa1…` (the full 64 hex digits). */
export const formatWitness = (w: AuditWitness): string => `audit event ${w.seq}, chain hash ${w.hash}`;
