import { keyById, NOT_CONFIGURED, type DerivedKey, type KeyRing } from '../crypto/keys.ts';
import { checkpointMac, GENESIS, sameHex } from './chain.ts';

/**
 * "The log ended at event `seq`, whose hash was `hash`", MAC'd with the audit key. The app keeps
 * one (the head, `audit_head`) beside the events it covers, updated with each append; operators
 * keep copies elsewhere (`jit-approvals audit checkpoint`). Seq 0 is the empty log.
 */
export interface Checkpoint {
  seq: number;
  hash: string;
  keyId: string;
  mac: string;
}

export function signCheckpoint(key: DerivedKey, seq: number, hash: string): Checkpoint {
  return { seq, hash, keyId: key.id, mac: checkpointMac(key.key, seq, hash) };
}

export const genesisCheckpoint = (key: DerivedKey): Checkpoint => signCheckpoint(key, 0, GENESIS);

/** Why a checkpoint does not hold under `keys` (a key not configured, a MAC that does not match), if so. */
export function checkpointProblem(cp: Checkpoint, keys: KeyRing): 'unknown_key' | 'forged' | undefined {
  const key = keyById(keys, cp.keyId);
  if (!key) return 'unknown_key';
  return sameHex(cp.mac, checkpointMac(key.key, cp.seq, cp.hash)) ? undefined : 'forged';
}

export const unknownKey = (what: string, keyId: string): string =>
  `${what} is authenticated under key ${keyId}, ${NOT_CONFIGURED}`;
