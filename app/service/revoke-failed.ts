import { AppError } from '../errors.ts';
import type { ApprovalService } from './approval-service.ts';

/**
 * The sweep could not revoke token `hash` (a leg's) of request `id`. A GitHub outage is tried again by the next
 * sweep while the token still lives; anything else (a token sealed under a key the app no longer
 * holds) will not get better: the token is marked so that no sweep tries it again, audited as
 * `token_revoke_failed` and counted in `jit_token_revoke_failures_total`. Never throws: one token
 * never stops the sweep.
 */
export async function revokeFailed(
  service: ApprovalService,
  id: string,
  hash: string,
  err: unknown,
): Promise<void> {
  const { store, now, metrics, log } = service.deps;
  try {
    await service.locks.run(id, async () => {
      const r = await store.getRequest(id);
      const token = r?.legs.find((l) => l.token?.hash === hash)?.token;
      if (!r || !token || token.revokedAt !== null || token.revokeFailedAt) return;
      if (err instanceof AppError && err.code === 'unavailable' && now() < token.expiresAt) {
        log.warn(
          { err, request: id, token_sha256: token.hash },
          'revoking a token failed; the next sweep tries again',
        );
        return;
      }
      token.revokeFailedAt = now();
      if (!(await store.saveRequest(r))) return; // another writer won: the next sweep looks again
      metrics.count(
        'jit_token_revoke_failures_total',
        'Tokens the app could not revoke (audited as token_revoke_failed); they lapse at their expiry.',
      );
      log.error({ err, request: id, token_sha256: token.hash }, 'token could not be revoked');
      await service.audit('token_revoke_failed', id, {
        token_sha256: token.hash,
        error: err instanceof Error ? err.message : String(err),
        expires_at: new Date(token.expiresAt).toISOString(),
      });
    });
  } catch (failure) {
    log.error({ err: failure, request: id }, 'recording a failed token revocation failed');
  }
}
