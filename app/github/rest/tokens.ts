import { Octokit } from '@octokit/rest';
import type { Metrics } from '../../metrics.ts';
import type { Level } from '../../policy/permissions.ts';
import { bounded } from '../bounded.ts';
import { countCalls } from '../count-calls.ts';
import { call, statusOf, unavailable } from '../errors.ts';
import type { Kit } from '../installations.ts';

export async function mintToken(
  app: Kit,
  installationId: number,
  repositoryId: number,
  permissions: Record<string, Level>,
): Promise<{ token: string; expiresAt: number }> {
  return call('minting the installation token', async () => {
    const { data } = await app.request('POST /app/installations/{installation_id}/access_tokens', {
      installation_id: installationId,
      repository_ids: [repositoryId],
      permissions,
    });
    return { token: data.token, expiresAt: Date.parse(data.expires_at) };
  });
}

/** Revokes a token with the token itself (its own client, bounded, not retried). */
export async function revokeToken(
  token: string,
  o: { baseUrl: string; timeoutMs: number; metrics: Metrics },
): Promise<void> {
  const kit = countCalls(
    new Octokit({ auth: token, baseUrl: o.baseUrl, request: { retries: 0 } }),
    o.metrics,
  );
  kit.hook.wrap('request', (request, opts) => bounded(request, opts, o.timeoutMs));
  try {
    await kit.request('DELETE /installation/token');
  } catch (err) {
    if (statusOf(err) === 401) return; // already revoked or expired: nothing left to revoke
    throw unavailable('revoking an installation token', err);
  }
}

/** Checks that GitHub answers, as the app, within `timeoutMs` if given: no retries. */
export async function ping(app: Kit, timeoutMs?: number): Promise<void> {
  await call('checking the app', () =>
    app.request('GET /app', { request: { retries: 0, timeout: timeoutMs } }),
  );
}
