import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seal, sealKeys, unseal } from '../../app/crypto/seal.ts';
import { newPrivateKey } from '../helpers/audit-log.ts';

const OLD = newPrivateKey();
const NEW = newPrivateKey();
const TOKEN = `ghs_${'x'.repeat(500)}`;

/** A token sealed as versions before key ids did: iv, tag and ciphertext, base64url, no key id. */
function sealedWithoutKeyId(pem: string): string {
  const key = Buffer.from(hkdfSync('sha256', pem, 'jit-approvals', 'installation tokens at rest', 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(TOKEN, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

describe('tokens sealed at rest', () => {
  it('name the key that sealed them, and unseal with it', () => {
    const keys = sealKeys(OLD);
    const sealed = seal(TOKEN, keys);
    expect(sealed.startsWith(`${keys.current.id}.`)).toBe(true);
    expect(keys.current.id).toMatch(/^[0-9a-f]{16}$/);
    expect(sealed).not.toContain(TOKEN);
    expect(unseal(sealed, keys)).toBe(TOKEN);
  });

  it('sealed under the previous private key, unseal during a rotation', () => {
    const sealed = seal(TOKEN, sealKeys(OLD));
    const rotated = sealKeys(NEW, [OLD]);
    expect(unseal(sealed, rotated)).toBe(TOKEN);
    expect(seal(TOKEN, rotated).startsWith(`${rotated.current.id}.`)).toBe(true);
  });

  it('sealed before key ids existed, still unseal, under the current or the previous key', () => {
    expect(unseal(sealedWithoutKeyId(OLD), sealKeys(OLD))).toBe(TOKEN);
    expect(unseal(sealedWithoutKeyId(OLD), sealKeys(NEW, [OLD]))).toBe(TOKEN);
  });

  it('under a key that is not configured, fail naming the key and the fix', () => {
    const keys = sealKeys(OLD);
    expect(() => unseal(seal(TOKEN, keys), sealKeys(NEW))).toThrow(
      new RegExp(`key ${keys.current.id}\\b.*not configured.*PREVIOUS_PRIVATE_KEY`),
    );
    expect(() => unseal(sealedWithoutKeyId(OLD), sealKeys(NEW))).toThrow(/none of the configured keys/);
  });
});
