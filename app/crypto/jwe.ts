import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { AppError } from '../errors.ts';

/** Checks the step's public key: an ephemeral EC P-256 key for ECDH-ES, public part only. */
export function checkPublicKey(jwk: unknown): JWK {
  const k = jwk as JWK | undefined;
  if (!k || k.kty !== 'EC' || k.crv !== 'P-256' || typeof k.x !== 'string' || typeof k.y !== 'string') {
    throw new AppError(
      'bad_request',
      'public_key must be an EC P-256 public JWK ({ kty: "EC", crv: "P-256", x, y })',
    );
  }
  if ('d' in k)
    throw new AppError('bad_request', 'public_key holds a private key ("d"); send only the public part');
  return { kty: 'EC', crv: 'P-256', x: k.x, y: k.y };
}

/**
 * Checks that the key can be used: a point on the P-256 curve with full-length coordinates
 * (`importJWK` refuses anything else). Done when a step asks, before any token is minted for it.
 */
export async function assertUsableKey(jwk: JWK): Promise<void> {
  try {
    await importJWK(jwk, 'ECDH-ES');
  } catch (cause) {
    throw new AppError(
      'bad_request',
      'public_key is not a usable P-256 public key (its point is not on the curve, or a coordinate is not 32 bytes)',
      { cause },
    );
  }
}

/** The token as a compact JWE (ECDH-ES, A256GCM) that only the step holding the private key opens. */
export async function encryptForStep(token: string, jwk: JWK): Promise<string> {
  const key = await importJWK(jwk, 'ECDH-ES');
  return new CompactEncrypt(new TextEncoder().encode(token))
    .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' })
    .encrypt(key);
}
