// Authentication as GitHub does it: app JWTs (RS256, iss = app id, at most 10 minutes) on app
// routes, installation tokens (scoped to repositories and permissions) on the others, user access
// tokens (`ghu_`) on user routes, and the app's client id and secret (HTTP Basic) on the OAuth
// application routes.
import { createHash, randomBytes } from 'node:crypto';
import { jwtVerify } from 'jose';
import { randomAlnum, type Permissions, type SimToken, type SimUserToken, type World } from './world.ts';

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Installation tokens in GitHub's newer, longer format: never assume 40 characters. */
export function newInstallationToken(): string {
  return `ghs_${randomBytes(384).toString('base64url').slice(0, 508)}`;
}

/** A user access token, in GitHub's format: `ghu_` and 36 letters and digits. */
export const newUserToken = (): string => `ghu_${randomAlnum(36)}`;
/** A refresh token, in GitHub's format: `ghr_` and 76 letters and digits. */
export const newRefreshToken = (): string => `ghr_${randomAlnum(76)}`;

/**
 * Who a route accepts: an app JWT, an installation token, a user token, the app's client
 * credentials, or anyone (`none`: the manifest conversion, whose code is the credential).
 */
export type AuthKind = 'app' | 'installation' | 'user' | 'basic' | 'none';

export type Caller =
  | { kind: 'none' }
  | { kind: 'app' }
  | { kind: 'installation'; token: SimToken }
  | { kind: 'user'; token: SimUserToken }
  | { kind: 'basic'; clientId: string }
  | { kind: 'error'; status: 401 | 403 | 404; message: string };

const RANK: Record<string, number> = { read: 1, write: 2, admin: 3 };
export const covers = (held: Permissions, name: string, level: string): boolean =>
  (RANK[held[name] ?? ''] ?? 0) >= (RANK[level] ?? 99);

const BAD_CREDENTIALS: Caller = { kind: 'error', status: 401, message: 'Bad credentials' };
const NOT_FOR_INTEGRATION: Caller = {
  kind: 'error',
  status: 403,
  message: 'Resource not accessible by integration',
};

async function appCaller(world: World, credential: string, nowMs: number): Promise<Caller> {
  if (credential.split('.').length !== 3) {
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

/** The app's client id and secret as HTTP Basic credentials; GitHub answers 404 when they are wrong. */
function basicCaller(world: World, header: string | undefined): Caller {
  const encoded = /^basic\s+(\S+)$/i.exec(header ?? '')?.[1];
  const decoded = encoded ? Buffer.from(encoded, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const [id, secret] = colon < 0 ? ['', ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  if (id !== '' && id === world.app.clientId && secret === world.app.clientSecret) {
    return { kind: 'basic', clientId: id };
  }
  return { kind: 'error', status: 404, message: 'Not Found' };
}

const liveUserToken = (world: World, credential: string, nowMs: number): SimUserToken | undefined => {
  const token = world.userTokens.get(tokenHash(credential));
  return token && !token.revoked && token.expiresAt > nowMs ? token : undefined;
};

const liveInstallationToken = (world: World, credential: string, nowMs: number): SimToken | undefined => {
  const token = world.tokens.get(tokenHash(credential));
  return token && !token.revoked && token.expiresAt > nowMs ? token : undefined;
};

export async function authenticate(
  world: World,
  header: string | undefined,
  route: AuthKind,
  nowMs: number,
): Promise<Caller> {
  if (route === 'none') return { kind: 'none' };
  if (route === 'basic') return basicCaller(world, header);
  const match = /^(?:bearer|token)\s+(\S+)$/i.exec(header ?? '');
  if (!match) return { kind: 'error', status: 401, message: 'Requires authentication' };
  const credential = match[1]!;
  if (route === 'app') return appCaller(world, credential, nowMs);
  const looksLikeJwt = credential.split('.').length === 3;
  const isUserToken = credential.startsWith('ghu_');
  if (route === 'user') {
    // A JWT is no credential for a user's resources.
    if (looksLikeJwt) return BAD_CREDENTIALS;
    if (isUserToken) {
      const token = liveUserToken(world, credential, nowMs);
      return token ? { kind: 'user', token } : BAD_CREDENTIALS;
    }
    // An installation acts as itself, never as a user.
    return liveInstallationToken(world, credential, nowMs) ? NOT_FOR_INTEGRATION : BAD_CREDENTIALS;
  }
  if (looksLikeJwt) return NOT_FOR_INTEGRATION;
  if (isUserToken) {
    // The simulator models installation routes for installations only; a user token is refused.
    return liveUserToken(world, credential, nowMs) ? NOT_FOR_INTEGRATION : BAD_CREDENTIALS;
  }
  const token = liveInstallationToken(world, credential, nowMs);
  return token ? { kind: 'installation', token } : BAD_CREDENTIALS;
}
