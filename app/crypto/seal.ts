import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** A 256-bit key for tokens at rest, derived from the app's private key (no extra secret to manage). */
export function sealKey(privateKeyPem: string): Buffer {
  return Buffer.from(hkdfSync('sha256', privateKeyPem, 'jit-approvals', 'installation tokens at rest', 32));
}

/** AES-256-GCM: iv, tag and ciphertext, base64url. */
export function seal(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function unseal(sealed: string, key: Buffer): string {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** How a token is named anywhere it must be named: its SHA-256, never the token. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');
