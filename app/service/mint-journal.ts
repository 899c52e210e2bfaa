import { unseal } from '../crypto/seal.ts';
import { AppError } from '../errors.ts';
import type { ApprovalService } from './approval-service.ts';

/** How long a mint may be under way (GitHub's answer, the save) before the sweep settles it. */
export const MINT_GRACE_MS = 30_000;
/** Journalled mints the sweep settles at most, per sweep. */
const SETTLED_PER_SWEEP = 20;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Settles one mint left open in the journal. The caller holds the request's lock, so no grant of
 * this request is under way: a token no leg holds was never handed over, and is revoked.
 */
async function settle(service: ApprovalService, id: string): Promise<void> {
  const { store, github, sealKey, metrics, log, now } = service.deps;
  const m = await store.journal.mint(id);
  if (!m) return; // settled meanwhile
  const event = (type: string, data: Record<string, unknown>) => ({ type, data, at: now() });
  const r = await store.getRequest(m.requestId);
  const leg = r?.legs.find((l) => l.secretHash === m.secretHash);
  if (!m.minted) {
    // GitHub's answer never reached the journal: the app stopped (or GitHub did not answer) while
    // minting. A token minted then is unknown to the app and lapses at its expiry (at most 1 h).
    const unknown = event('token_mint_unknown', {
      started_at: iso(m.at),
      job_id: leg?.jobId ?? null,
      job_name: leg?.name ?? null,
    });
    if (await store.journal.closeMint(m.id, [unknown]))
      log.warn({ request: m.requestId }, 'a mint was interrupted before its answer was journalled');
    return;
  }
  const hash = m.minted.hash;
  if (r?.legs.some((l) => l.token?.hash === hash)) {
    await store.journal.closeMint(m.id, []); // handed over; only the journal entry was left
    return;
  }
  const granted = event('token_granted', m.minted.granted);
  try {
    await github.revokeToken(unseal(m.minted.sealed, sealKey));
  } catch (err) {
    if (err instanceof AppError && err.code === 'unavailable' && now() < m.minted.expiresAt) {
      log.warn(
        { err, request: m.requestId, token_sha256: hash },
        'revoking a token failed; the next sweep tries again',
      );
      return;
    }
    const failed = event('token_revoke_failed', {
      token_sha256: hash,
      why: 'never_handed_over',
      error: err instanceof Error ? err.message : String(err),
      expires_at: iso(m.minted.expiresAt),
    });
    if (await store.journal.closeMint(m.id, [granted, failed])) {
      metrics.count(
        'jit_token_revoke_failures_total',
        'Tokens the app could not revoke (audited as token_revoke_failed); they lapse at their expiry.',
      );
      log.error({ err, request: m.requestId, token_sha256: hash }, 'token could not be revoked');
    }
    return;
  }
  const revoked = event('token_revoked', {
    token_sha256: hash,
    why: 'never_handed_over',
    job_id: leg?.jobId,
  });
  if (await store.journal.closeMint(m.id, [granted, revoked])) {
    metrics.count('jit_tokens_revoked_total', 'Installation tokens revoked.', { why: 'never_handed_over' });
    log.warn(
      { request: m.requestId, token_sha256: hash },
      'token revoked: it was minted but never handed over',
    );
  }
}

/**
 * The sweep's pass over the mint journal: every mint begun more than `MINT_GRACE_MS` ago and not
 * closed is settled under its request's lock (closed if a leg holds its token, else revoked and
 * audited, or audited as of unknown outcome when GitHub's answer was never journalled).
 */
export async function settleMints(service: ApprovalService): Promise<void> {
  const { store, log, now } = service.deps;
  for (const m of await store.journal.openMints(now() - MINT_GRACE_MS, SETTLED_PER_SWEEP)) {
    await service.locks
      .run(m.requestId, () => settle(service, m.id))
      .catch((err: unknown) => log.error({ err, request: m.requestId }, 'settling a journalled mint failed'));
  }
}
