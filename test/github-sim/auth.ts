// Authentication as GitHub does it: app JWTs (RS256, iss = app id, at most 10 minutes) on app
// routes, installation tokens (scoped to repositories and permissions) on the others.
import { createHash, randomBytes } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { Permissions, SimToken, World } from './world.ts';

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Installation tokens in GitHub's newer, longer format: never assume 40 characters. */
export function newInstallationToken(): string {
  return `ghs_${randomBytes(384).toString('base64url').slice(0, 508)}`;
}

export type Caller =
  | { kind: 'app' }
  | { kind: 'installation'; token: SimToken }
  | { kind: 'error'; status: 401 | 403; message: string };

const RANK: Record<string, number> = { read: 1, write: 2, admin: 3 };
export const covers = (held: Permissions, name: string, level: string): boolean =>
  (RANK[held[name] ?? ''] ?? 0) >= (RANK[level] ?? 99);

export async function authenticate(
  world: World,
  header: string | undefined,
  appRoute: boolean,
  nowMs: number,
): Promise<Caller> {
  const match = /^(?:bearer|token)\s+(\S+)$/i.exec(header ?? '');
  if (!match) return { kind: 'error', status: 401, message: 'Requires authentication' };
  const credential = match[1]!;
  const looksLikeJwt = credential.split('.').length === 3;
  if (appRoute) {
    if (!looksLikeJwt) {
      return { kind: 'error', status: 401, message: 'A JSON web token could not be decoded' };
    }
    try {
      const { payload } = await jwtVerify(credential, world.app.publicKey, {
        algorithms: ['RS256'],
        currentDate: new Date(nowMs),
        clockTolerance: 60,
      });
      if (String(payload.iss) !== String(world.app.id)) {
        return { kind: 'error', status: 401, message: `'Issuer' claim ('iss') must be an Integer` };
      }
      if (typeof payload.exp !== 'number' || payload.exp * 1000 > nowMs + 10 * 60_000 + 1000) {
        return {
          kind: 'error',
          status: 401,
          message: "'Expiration time' claim ('exp') is too far in the future",
        };
      }
      return { kind: 'app' };
    } catch {
      return { kind: 'error', status: 401, message: 'A JSON web token could not be decoded' };
    }
  }
  if (looksLikeJwt) {
    return { kind: 'error', status: 403, message: 'Resource not accessible by integration' };
  }
  const token = world.tokens.get(tokenHash(credential));
  if (!token || token.revoked || token.expiresAt <= nowMs) {
    return { kind: 'error', status: 401, message: 'Bad credentials' };
  }
  return { kind: 'installation', token };
}
