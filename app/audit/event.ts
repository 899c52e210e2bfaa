export interface AuditEvent {
  seq: number;
  at: number;
  type: string;
  requestId: string | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
  /** The audit key that made `mac` (null: written before the chain was keyed). */
  keyId: string | null;
  /** HMAC-SHA256 of `hash` under that key: only the key's holder can write or rewrite an event. */
  mac: string | null;
}
