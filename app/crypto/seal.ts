import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { keyById, keyRing, NOT_CONFIGURED, type KeyRing } from './keys.ts';

/** Keys for tokens at rest, derived from the app's private key(s): the current one and a previous one. */
export const sealKeys = (privateKeyPem: string, previous: readonly string[] = []): KeyRing =>
  keyRing('installation tokens at rest', privateKeyPem, previous);

/** AES-256-GCM: `<key id>.<iv, tag and ciphertext, base64url>`. The key id says which key opens it. */
export function seal(plaintext: string, keys: KeyRing): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.current.key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${keys.current.id}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

function open(sealed: string, key: Buffer): string {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** Opens a sealed token with the key its id names; one sealed before key ids, with whichever key opens it. */
export function unseal(sealed: string, keys: KeyRing): string {
  const dot = sealed.indexOf('.');
  if (dot >= 0) {
    const id = sealed.slice(0, dot);
    const key = keyById(keys, id);
    if (!key) throw new Error(`the token was sealed under key ${id}, ${NOT_CONFIGURED}`);
    return open(sealed.slice(dot + 1), key.key);
  }
  for (const key of [keys.current, ...keys.previous]) {
    try {
      return open(sealed, key.key);
    } catch {
      // not this key
    }
  }
  throw new Error(
    'the token was sealed before key ids and opens under none of the configured keys: give the private key it was sealed with as PREVIOUS_PRIVATE_KEY_PATH',
  );
}

/** How a token is named anywhere it must be named: its SHA-256, never the token. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');
