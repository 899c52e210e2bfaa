// `npm start` with no APP_ID, as a new user runs it: GitHub's manifest flow against the simulated
// GitHub, through the real app process, from no .env to a registered app that answers a step.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { WebhookSender } from '../github-sim/webhooks.ts';
import { root } from '../helpers/cli.ts';
import { POLICIES, appYml, registerThrough } from '../helpers/registration.ts';
import { AppHarness, freePort } from './harness.ts';

describe('npm start with no APP_ID registers the app, then runs it', () => {
  const h = new AppHarness();
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await h.stop();
  });

  it('from no .env to a registered app that answers a step, a click and a poll', async () => {
    await h.start(POLICIES, { app: false });
    h.sim.world.installations.clear(); // nothing registered or installed yet
    h.sim.world.addUser('alice');
    const port = await freePort();
    h.publicUrl = `http://127.0.0.1:${port}`;
    const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'register-')));
    child = spawn(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings', join(root, 'app/main.ts')],
      {
        cwd,
        env: {
          PATH: process.env.PATH,
          OIDC_ISSUER: h.oidc.issuer,
          GITHUB_API_URL: h.sim.url,
          GITHUB_SERVER_URL: h.sim.url,
          DATA_DIR: h.dataDir,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_FORMAT: 'json',
          POLICY_CACHE_SECONDS: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const seen = (pattern: RegExp): Promise<string> =>
      new Promise((resolve, reject) => {
        const look = (): boolean => {
          const m = pattern.exec(out);
          if (m) resolve(m[0]);
          return Boolean(m);
        };
        if (look()) return;
        child!.stdout!.on('data', () => void look());
        child!.once('exit', (code) => reject(new Error(`the app exited (${code}):\n${out}`)));
      });
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));

    const setupUrl = (await seen(/Open (http:\/\/127\.0\.0\.1:\d+\/setup\?key=[\w-]+)/)).slice(
      'Open '.length,
    );
    const back = await registerThrough(setupUrl, 'alice');
    const app = h.sim.world.app;
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe(`${h.sim.url}/apps/${app.slug}/installations/new`);
    // The app GitHub created is the one app.yml describes, reached at the page's own address.
    expect(app.owner).toBe('alice');
    expect(app.permissions).toEqual({ metadata: 'read', ...appYml.default_permissions });
    expect(app.events).toEqual(appYml.default_events);
    expect(app.webhookUrl).toBe(`${h.publicUrl}/api/github/webhooks`);
    expect(app.callbackUrls).toEqual([`${h.publicUrl}/auth/callback`]);

    // .env holds the app's settings, readable by its owner only, as Node reads it.
    const envFile = join(cwd, '.env');
    await seen(/"msg":"Listening on[^"]*"[\s\S]*"msg":"Listening on/);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(parseEnv(readFileSync(envFile, 'utf8'))).toEqual({
      APP_ID: String(app.id),
      WEBHOOK_SECRET: app.webhookSecret,
      GITHUB_CLIENT_ID: app.clientId,
      GITHUB_CLIENT_SECRET: app.clientSecret,
      PUBLIC_URL: h.publicUrl,
      PRIVATE_KEY_PATH: 'private-key.pem',
    });
    // The key is a file of its own beside .env, readable by its owner only: never a quoted .env value
    // (`docker run --env-file` would keep the quotes as part of it).
    const keyFile = join(cwd, 'private-key.pem');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toBe(app.privateKey);
    for (const secret of [app.webhookSecret!, app.clientSecret, app.privateKey.split('\n')[1]!])
      expect(out).not.toContain(secret);

    // Installed, it answers a step, counts a click signed with GitHub's webhook secret, and mints.
    h.url = h.publicUrl;
    h.sim.world.install('acme');
    const step = await h.step();
    const created = await h.request(step, { action: 'deploy-web' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.status).toBe('pending');
    const run = h.repo.checkRuns.at(-1)!;
    const hooks = new WebhookSender(h.sim, () => ({
      url: `${h.url}/api/github/webhooks`,
      secret: app.webhookSecret!,
    }));
    await hooks.checkRunRequestedAction(h.repo, run, 'approve', h.sim.world.user('alice')!);
    const answer = await h.poll(step, created.body.id, 10);
    expect(answer.body.status).toBe('approved');
    const token = await h.decrypt(step, answer.body.token!.jwe);
    expect(await h.tokenReach(token, '.approvals/deploy.yml')).toEqual({ read: 200, beyond: 403 });
    h.sim.assertNoViolations();

    // Stopped, it starts again from .env alone, without the registration.
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const again = spawn(
      process.execPath,
      ['--env-file-if-exists=.env', '--experimental-strip-types', '--no-warnings', join(root, 'app/main.ts')],
      {
        cwd,
        env: {
          PATH: process.env.PATH,
          OIDC_ISSUER: h.oidc.issuer,
          GITHUB_API_URL: h.sim.url,
          DATA_DIR: h.dataDir,
          PORT: String(port),
          LOG_FORMAT: 'json',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = again;
    out = '';
    again.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    await seen(/Listening on/);
    expect(out).not.toContain('setup?key=');
  }, 60_000);
});
