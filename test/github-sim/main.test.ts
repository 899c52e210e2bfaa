import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the simulator as a child process', () => {
  it('starts from a seed, serves Octokit, and exits cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--experimental-strip-types',
        '--no-warnings',
        'test/github-sim/main.ts',
        'test/fixtures/sim-seed.json',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const line = (await lines.next()).value as string;
    const info = JSON.parse(line) as {
      url: string;
      appId: number;
      privateKey: string;
      oidcIssuer: string;
      clientId: string;
      clientSecret: string;
    };
    try {
      expect(info.clientId).toMatch(/^Iv23li/);
      expect(info.clientSecret).toMatch(/^[0-9a-f]{40}$/);
      const app = new Octokit({
        baseUrl: info.url,
        authStrategy: createAppAuth,
        auth: { appId: info.appId, privateKey: info.privateKey },
      });
      const { data: installation } = await app.apps.getRepoInstallation({ owner: 'acme', repo: 'shop' });
      const { data: token } = await app.apps.createInstallationAccessToken({
        installation_id: installation.id,
      });
      const octokit = new Octokit({ baseUrl: info.url, auth: token.token });
      const membership = await octokit.teams.getMembershipForUserInOrg({
        org: 'acme',
        team_slug: 'sre',
        username: 'bob',
      });
      expect(membership.data.state).toBe('pending');
      const discovery = await fetch(`${info.oidcIssuer}/.well-known/openid-configuration`);
      expect(((await discovery.json()) as { issuer: string }).issuer).toBe(info.oidcIssuer);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
  });
});
