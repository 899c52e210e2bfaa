import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../errors.ts';
import type { RunClaims } from '../domain/claims.ts';

const REQUIRED = [
  'repository',
  'repository_id',
  'repository_owner',
  'ref',
  'sha',
  'event_name',
  'workflow_ref',
  'actor',
  'run_id',
  'run_attempt',
] as const;

export interface OidcOptions {
  issuer: string;
  /** Default: `jwks_uri` from the issuer's discovery document. */
  jwksUrl?: string | undefined;
  audience: string;
  fetch?: typeof fetch;
}

export type VerifyOidc = (authorization: string | undefined) => Promise<RunClaims>;

/** Verifies GitHub Actions ID tokens: RS256 signature against the issuer's JWKS, iss, aud, expiry, claims. */
export function createOidcVerifier(opts: OidcOptions): VerifyOidc {
  let jwks: JWTVerifyGetKey | undefined;
  const getJwks = async (): Promise<JWTVerifyGetKey> => {
    if (jwks) return jwks;
    let url = opts.jwksUrl;
    if (!url) {
      const res = await (opts.fetch ?? fetch)(`${opts.issuer}/.well-known/openid-configuration`);
      if (!res.ok)
        throw new AppError('unavailable', `OIDC discovery at ${opts.issuer} answered ${res.status}`);
      url = ((await res.json()) as { jwks_uri: string }).jwks_uri;
    }
    jwks = createRemoteJWKSet(new URL(url));
    return jwks;
  };
  return async (authorization) => {
    const token = /^bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token)
      throw new AppError(
        'unauthenticated',
        'send the job\'s OIDC ID token as "Authorization: Bearer <token>" (needs `permissions: id-token: write`)',
      );
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, await getJwks(), {
        issuer: opts.issuer,
        audience: opts.audience,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'iat', ...REQUIRED],
      }));
    } catch (err) {
      if (err instanceof AppError) throw err;
      const why =
        err instanceof errors.JOSEError ? `${err.code}: ${err.message}` : 'it could not be verified';
      throw new AppError('unauthenticated', `OIDC token rejected (${why})`, { cause: err });
    }
    for (const claim of REQUIRED) {
      if (typeof payload[claim] !== 'string' || payload[claim] === '') {
        throw new AppError(
          'unauthenticated',
          `OIDC token rejected: claim ${claim} is missing or not a string`,
        );
      }
    }
    const claims: RunClaims = Object.fromEntries(
      REQUIRED.map((c) => [c, payload[c] as string]),
    ) as unknown as RunClaims;
    if (typeof payload.environment === 'string' && payload.environment !== '')
      claims.environment = payload.environment;
    for (const optional of [
      'repository_owner_id',
      'actor_id',
      'triggering_actor',
      'workflow_sha',
      'job_workflow_ref',
      'check_run_id',
    ] as const) {
      const value = payload[optional];
      if (typeof value === 'string' && value !== '') claims[optional] = value;
    }
    return claims;
  };
}
