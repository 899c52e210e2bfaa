// An Octokit authenticated as an installation of the simulator's app, for tests of its routes.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import type { GitHubSimulator } from './server.ts';

/** Mints an installation token (narrowed to `permissions` when given) and returns an Octokit using it. */
export async function installationKit(
  sim: GitHubSimulator,
  installationId: number,
  permissions?: Record<string, string>,
): Promise<Octokit> {
  const app = new Octokit({
    baseUrl: sim.url,
    authStrategy: createAppAuth,
    auth: { appId: sim.world.app.id, privateKey: sim.world.app.privateKey },
    request: { retries: 0 },
  });
  const { data } = await app.apps.createInstallationAccessToken({
    installation_id: installationId,
    ...(permissions && { permissions }),
  } as never);
  return new Octokit({ baseUrl: sim.url, auth: data.token, request: { retries: 0 } });
}
