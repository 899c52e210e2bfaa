import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { basic, FlowClient } from './oauth-kit.ts';
import { GitHubSimulator } from './server.ts';

let sim: GitHubSimulator;
let flow: FlowClient;

beforeEach(async () => {
  sim = new GitHubSimulator();
  await sim.start();
  sim.world.addUser('rhea');
  sim.world.addRepo('acme/shop');
  sim.world.install('acme');
  flow = new FlowClient(sim);
});

afterEach(async () => {
  await sim.stop();
  sim.assertNoViolations();
});

describe('user access tokens in the REST API', () => {
  it('are refused on installation routes, and other credentials on /user', async () => {
    const token = await flow.userToken();
    const asUser = await fetch(`${sim.url}/repos/acme/shop`, {
      headers: { authorization: `token ${token}` },
    });
    expect(asUser.status).toBe(403);
    expect(await asUser.json()).toMatchObject({ message: 'Resource not accessible by integration' });

    const app = new Octokit({
      baseUrl: sim.url,
      authStrategy: createAppAuth,
      auth: { appId: sim.world.app.id, privateKey: sim.world.app.privateKey },
    });
    const installationId = [...sim.world.installations.keys()][0]!;
    const { data } = await app.apps.createInstallationAccessToken({ installation_id: installationId });
    const asInstallation = await flow.getUser(data.token);
    expect(asInstallation.status).toBe(403);
    expect(await asInstallation.json()).toMatchObject({ message: 'Resource not accessible by integration' });
    const { token: jwt } = await createAppAuth({
      appId: sim.world.app.id,
      privateKey: sim.world.app.privateKey,
    })({ type: 'app' });
    expect((await flow.getUser(jwt)).status).toBe(401);
    expect((await fetch(`${sim.url}/user`)).status).toBe(401);
  });

  it('expire after 8 hours', async () => {
    const token = await flow.userToken();
    const later = Date.now() + 8 * 3600_000 + 1000;
    sim.now = () => new Date(later);
    expect((await flow.getUser(token)).status).toBe(401);
  });

  it('are deleted only with the right client credentials (404), and only once (422)', async () => {
    const token = await flow.userToken();
    expect((await flow.deleteToken(token, basic(sim.world.app.clientId, 'f'.repeat(40)))).status).toBe(404);
    expect((await flow.deleteToken(token, `Bearer ${token}`)).status).toBe(404);
    expect((await flow.getUser(token)).status).toBe(200);
    expect((await flow.deleteToken(token)).status).toBe(204);
    const again = await flow.deleteToken(token);
    expect(again.status).toBe(422);
    expect(await again.json()).toMatchObject({ message: 'Validation Failed' });
    expect((await flow.deleteToken('ghu_unknown')).status).toBe(422);
  });
});
