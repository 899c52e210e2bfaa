import { unseal } from '../../crypto/seal.ts';
import type { Effect, EffectDue } from '../../domain/effects.ts';
import type { Leg } from '../../domain/leg.ts';
import { AppError } from '../../errors.ts';
import type { Ports } from '../ports.ts';

type RevokePorts = Pick<Ports, 'ledger' | 'github' | 'sealKey' | 'metrics' | 'log' | 'now'>;

const iso = (ms: number): string => new Date(ms).toISOString();
const REVOKED = 'Installation tokens revoked.';
const FAILED =
  'Tokens the app could not revoke (audited as token_revoke_failed); they lapse at their expiry.';

/** The revocation of the token mint `mint` makes, due at `at` (its TTL), written before the mint. */
export const revokeEffect = (requestId: string, mint: string, at: number): EffectDue => ({
  kind: 'revoke',
  key: `revoke:${mint}`,
  requestId,
  dueAt: at,
  data: { mint },
});

/** The key of the revocation of a leg's token (by its mint, or by its hash for tokens minted before the outbox). */
export const revokeKey = (token: NonNullable<Leg['token']>): string =>
  token.mint ? `revoke:${token.mint}` : `revoke:hash:${token.hash}`;

/**
 * Effect `revoke`: revokes a token at its TTL, or sooner (its job ended, its step was cancelled, it
 * was never handed over), under its request's lock, so no grant of the request is under way. The
 * token is the leg's that holds it, or, when no leg does, the one the mint journal kept: a token
 * minted and never handed over (the app stopped, or its save failed). A mint whose answer never
 * reached the journal left nothing to revoke: that is audited (`token_mint_unknown`). A revocation
 * that cannot succeed (a key no longer held, GitHub failing past the token's expiry) is audited as
 * `token_revoke_failed`; the token lapses at its expiry.
 */
export async function doRevoke(p: RevokePorts, e: Effect): Promise<void> {
  const mintId = typeof e.data.mint === 'string' ? e.data.mint : undefined;
  const hash = typeof e.data.hash === 'string' ? e.data.hash : undefined;
  await p.ledger.locked(e.requestId!, async () => {
    const r = await p.ledger.read(e.requestId!);
    const leg = r.legs.find((l) => l.token && (mintId ? l.token.mint === mintId : l.token.hash === hash));
    if (leg?.token) {
      const token = leg.token;
      if (token.revokedAt !== null || token.revokeFailedAt) return;
      const why = leg.endedWhy ?? (p.now() >= token.revokeAt ? 'ttl' : 'revoked');
      const failure = await revoke(p, token.sealed, token.expiresAt, r.id, token.hash);
      if (failure !== null) {
        token.revokeFailedAt = p.now();
        await p.ledger.save(r, { audit: [failedEvent(token.hash, token.expiresAt, failure)] });
      } else {
        token.revokedAt = p.now();
        await p.ledger.save(r, {
          audit: [{ type: 'token_revoked', data: { token_sha256: token.hash, why, job_id: leg.jobId } }],
        });
        p.metrics.count('jit_tokens_revoked_total', REVOKED, { why });
        p.log.info({ request: r.id, token_sha256: token.hash, why }, 'token revoked');
      }
      if (mintId) await p.ledger.journal.closeMint(mintId, []);
      return;
    }
    const m = mintId ? await p.ledger.journal.mint(mintId) : undefined;
    if (!m) return; // settled meanwhile, or a legacy token already gone
    const at = p.now();
    if (!m.minted) {
      // GitHub's answer never reached the journal: the app stopped (or GitHub did not answer)
      // while minting. A token minted then was never held by anyone; it lapses at its expiry.
      const owner = r.legs.find((l) => l.secretHash === m.secretHash);
      await p.ledger.journal.closeMint(m.id, [
        {
          type: 'token_mint_unknown',
          data: { started_at: iso(m.at), job_id: owner?.jobId ?? null, job_name: owner?.name ?? null },
          at,
        },
      ]);
      p.log.warn({ request: r.id }, 'a mint was interrupted before its answer was journalled');
      return;
    }
    const { hash: minted, sealed, expiresAt, granted } = m.minted;
    const granting = { type: 'token_granted', data: granted, at };
    const failure = await revoke(p, sealed, expiresAt, r.id, minted);
    if (failure !== null) {
      const failed = failedEvent(minted, expiresAt, failure);
      await p.ledger.journal.closeMint(m.id, [
        granting,
        { ...failed, data: { ...failed.data, why: 'never_handed_over' }, at },
      ]);
      return;
    }
    const holder = r.legs.find((l) => l.secretHash === m.secretHash);
    const revoked = { token_sha256: minted, why: 'never_handed_over', job_id: holder?.jobId };
    if (await p.ledger.journal.closeMint(m.id, [granting, { type: 'token_revoked', data: revoked, at }])) {
      p.metrics.count('jit_tokens_revoked_total', REVOKED, { why: 'never_handed_over' });
      p.log.warn(
        { request: r.id, token_sha256: minted },
        'token revoked: it was minted but never handed over',
      );
    }
  });
}

/**
 * Revokes a sealed token: null once GitHub has (or the token was gone already), else why it never
 * can be (a key the app no longer holds, or GitHub failing after the token expired anyway). Throws
 * a GitHub outage while the token still lives: the worker tries again.
 */
async function revoke(
  p: RevokePorts,
  sealed: string,
  expiresAt: number,
  request: string,
  hash: string,
): Promise<string | null> {
  try {
    await p.github.revokeToken(unseal(sealed, p.sealKey));
    return null;
  } catch (err) {
    if (err instanceof AppError && err.code === 'unavailable' && p.now() < expiresAt) throw err;
    p.metrics.count('jit_token_revoke_failures_total', FAILED);
    p.log.error({ err, request, token_sha256: hash }, 'token could not be revoked');
    return err instanceof Error ? err.message : String(err);
  }
}

const failedEvent = (hash: string, expiresAt: number, error: string) => ({
  type: 'token_revoke_failed',
  data: { token_sha256: hash, error, expires_at: iso(expiresAt) },
});
