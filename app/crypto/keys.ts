import { createHash, hkdfSync } from 'node:crypto';

/** A 256-bit key derived from the app's private key for one purpose, and its id. */
export interface DerivedKey {
  /** A short hash of the key: what sealed tokens and audit events record to name it. */
  id: string;
  key: Buffer;
}

/** The keys of one purpose: `current` makes new seals and MACs; `previous` only opens and checks old ones. */
export interface KeyRing {
  current: DerivedKey;
  previous: DerivedKey[];
}

/** HKDF-SHA256 over the PEM: one key per purpose (`info`), no extra secret to manage. */
export function deriveKey(privateKeyPem: string, purpose: string): DerivedKey {
  const key = Buffer.from(hkdfSync('sha256', privateKeyPem, 'jit-approvals', purpose, 32));
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

/** The keys of `purpose` from the current private key and those of earlier rotations. */
export function keyRing(purpose: string, current: string, previous: readonly string[] = []): KeyRing {
  return { current: deriveKey(current, purpose), previous: previous.map((pem) => deriveKey(pem, purpose)) };
}

export const keyById = (ring: KeyRing, id: string): DerivedKey | undefined =>
  [ring.current, ...ring.previous].find((k) => k.id === id);

/** The end of every message about a key id that no configured key has. */
export const NOT_CONFIGURED =
  'which is not configured: during or after a key rotation, give the private key it was made with as PREVIOUS_PRIVATE_KEY_PATH (or PREVIOUS_PRIVATE_KEY)';
