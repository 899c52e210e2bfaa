import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../crypto/hash.ts';
import type { TokenGrant } from '../policy/decision.ts';
import { lowerLevel } from '../policy/permissions.ts';
import type { Level } from '../policy/permissions.ts';

export interface TokenRecord {
  /** SHA-256 of the token: how logs and the audit name it. */
  hash: string;
  /** The journalled mint that made it: its revocation is the outbox effect `revoke:<mint>`. */
  mint?: string;
  /** The token, encrypted at rest (AES-256-GCM); needed to revoke it. */
  sealed: string;
  permissions: Record<string, Level>;
  expiresAt: number;
  /** When the app must revoke it: TTL end, or earlier when the job completes. */
  revokeAt: number;
  revokedAt: number | null;
  /** When the app gave up revoking it (audited as `token_revoke_failed`); the sweep skips it after. */
  revokeFailedAt?: number | null;
  /** The token encrypted to the step's public key (JWE), handed only to the same run. */
  jwe: string;
}

/**
 * One step waiting on a request: a job, or one leg of a matrix job. Legs of one job share the
 * request (one approval); each has its own key, secret and token.
 */
export interface Leg {
  /**
   * The job's id (`job.check_run_id`), verified against the run; null where the runner has none
   * (GHES), and the leg is then known by its job key and matrix position only.
   */
  jobId: number | null;
  /** The job's display name as GitHub shows it (verified), or `key [index]` when unverified. */
  name: string;
  /** The step's ephemeral public key (JWK): the token is encrypted to it. */
  publicKey: Record<string, unknown>;
  /** SHA-256 (hex) of the step's secret: reading and cancelling the request need the secret. */
  secretHash: string;
  reason: string | null;
  requestedPermissions: Record<string, Level> | null;
  joinedAt: number;
  /** When its job ended or its step cancelled: it gets no token after that. */
  endedAt: number | null;
  /** Why it ended (`job_completed`, `step_cancelled`, `run_completed`, `leg_conflict`): its token's revocation says so. */
  endedWhy?: string;
  token: TokenRecord | null;
}

/**
 * Legs holding a token not yet revoked. A token the app gave up revoking (`revokeFailedAt`) no
 * longer counts: sweeps skip it.
 */
export const unrevokedLegs = (r: { legs: readonly Leg[] }): Leg[] =>
  r.legs.filter((l) => l.token !== null && l.token.revokedAt === null && !l.token.revokeFailedAt);

/** The request's grant as one leg may have it: narrowed further by what that step asked for. */
export function legGrant(grant: TokenGrant, asked: Record<string, Level> | null): TokenGrant {
  if (!asked) return grant;
  const permissions: Record<string, Level> = {};
  for (const [name, level] of Object.entries(grant.permissions)) {
    const want = Object.hasOwn(asked, name) ? asked[name] : undefined;
    if (want) permissions[name] = lowerLevel(level, want);
  }
  return { ...grant, permissions };
}

/** The leg whose secret this is (compared in constant time). */
export function legBySecret(r: { legs: readonly Leg[] }, secret: string): Leg | undefined {
  const hash = Buffer.from(sha256(secret), 'hex');
  return r.legs.find((l) => {
    const stored = Buffer.from(l.secretHash, 'hex');
    return stored.length === hash.length && timingSafeEqual(stored, hash);
  });
}
