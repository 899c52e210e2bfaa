// The registration (`npm start` with no APP_ID) in this process, against the simulated GitHub: for
// an organization on GHES, and what it refuses (no setup key, a state it never gave, an unknown
// code, a line smuggled into .env, a key file already there).
import { existsSync, mkdtempSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseEnv } from 'node:util';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findAppYml } from '../../app/setup/manifest.ts';
import { registerFirst, settingsBeforeRegistration } from '../../app/setup/register-first.ts';
import { startRegistration, type Registration } from '../../app/setup/registration.ts';
import { POLICIES, githubForm, registerThrough } from '../helpers/registration.ts';
import { AppHarness } from './harness.ts';

const quiet = pino({ level: 'silent' }, new Writable({ write: (_c, _e, done) => done() }));

describe('the registration, in this process', () => {
  const h = new AppHarness();
  let registration: Registration | undefined;
  afterEach(async () => {
    await registration?.server.close();
    registration = undefined;
  });
  afterAll(() => h.stop());

  const start = async (env: Record<string, string>, keyPath = 'private-key.pem') => {
    if (!h.sim.url) await h.start(POLICIES, { app: false });
    const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'register-')));
    const config = settingsBeforeRegistration({ PORT: '0', ...env });
    registration = await startRegistration({
      config,
      publicUrl: env.PUBLIC_URL,
      org: env.GH_ORG,
      keyPath,
      appYml: findAppYml(cwd)!,
      cwd,
      log: quiet,
    });
    return { cwd, registration };
  };

  it('for an organization on GitHub Enterprise Server (GHE_HOST), with the key in PRIVATE_KEY_PATH', async () => {
    if (!h.sim.url) await h.start(POLICIES, { app: false });
    h.sim.world.addUser('acme', 'Organization');
    const host = new URL(h.sim.url).host;
    const { cwd, registration: r } = await start(
      { GHE_HOST: host, GHE_PROTOCOL: 'http', GH_ORG: 'acme', PUBLIC_URL: 'https://jit.example.test' },
      'keys/app.pem',
    );
    const page = await (await fetch(r.setupUrl)).text();
    expect(githubForm(page).action).toMatch(
      new RegExp(`^http://${host}/organizations/acme/settings/apps/new\\?state=[\\w-]{32}$`),
    );
    // The organization is GitHub's to check; no one signs in as a user for it.
    const back = await registerThrough(r.setupUrl, '', 'jit-approvals-acme');
    expect(back.status).toBe(303);
    const written = await r.registered;
    const app = h.sim.world.app;
    expect(app).toMatchObject({ owner: 'acme', name: 'jit-approvals-acme' });
    expect(app.webhookUrl).toBe('https://jit.example.test/api/github/webhooks');
    expect(readFileSync(join(cwd, 'keys/app.pem'), 'utf8')).toBe(app.privateKey);
    expect(statSync(join(cwd, 'keys/app.pem')).mode & 0o777).toBe(0o600);
    const env = parseEnv(readFileSync(join(cwd, '.env'), 'utf8'));
    expect(env).toEqual({
      APP_ID: String(app.id),
      WEBHOOK_SECRET: app.webhookSecret,
      GITHUB_CLIENT_ID: app.clientId,
      GITHUB_CLIENT_SECRET: app.clientSecret,
      PRIVATE_KEY_PATH: 'keys/app.pem',
    });
    expect(written).toEqual(env);
    h.sim.assertNoViolations();
  });

  it('refuses a page without the setup key, and an answer without a state it gave: nothing is written', async () => {
    const { cwd, registration: r } = await start({
      PUBLIC_URL: 'https://jit.example.test',
      GITHUB_API_URL: h.sim.url,
      GITHUB_SERVER_URL: h.sim.url,
    });
    const conversions = h.sim.calls.length;
    const base = new URL(r.setupUrl).origin;
    expect((await fetch(`${base}/setup`)).status).toBe(403);
    expect((await fetch(`${base}/setup?key=${'A'.repeat(32)}`)).status).toBe(403);
    // A code from someone else's registration (their app, their key) is not taken.
    const forged = await fetch(`${base}/setup/callback?code=${'a'.repeat(40)}`, { redirect: 'manual' });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('nothing was written');
    const wrongState = await fetch(`${base}/setup/callback?code=${'a'.repeat(40)}&state=nope`);
    expect(wrongState.status).toBe(400);
    expect(existsSync(join(cwd, '.env'))).toBe(false);
    expect(h.sim.calls.length).toBe(conversions); // GitHub was not asked
  });

  it('a code GitHub does not know (used, or over an hour old) is answered with what to do', async () => {
    const { cwd, registration: r } = await start({
      PUBLIC_URL: 'https://jit.example.test',
      GITHUB_API_URL: h.sim.url,
      GITHUB_SERVER_URL: h.sim.url,
    });
    const state = /state=([\w-]+)/.exec(githubForm(await (await fetch(r.setupUrl)).text()).action)![1]!;
    const res = await fetch(
      `${new URL(r.setupUrl).origin}/setup/callback?code=${'b'.repeat(40)}&state=${state}`,
    );
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('it was used already or is older than an hour. Register again');
    expect(existsSync(join(cwd, '.env'))).toBe(false);
  });

  it('a public URL given on the page cannot add a line to .env', async () => {
    const { cwd, registration: r } = await start({ GITHUB_API_URL: h.sim.url, GITHUB_SERVER_URL: h.sim.url });
    h.sim.world.addUser('rhea');
    const url = new URL(r.setupUrl);
    url.searchParams.set('public_url', 'https://jit.example.test/\nAPP_ID=666\r\nWEBHOOK_SECRET=x');
    const back = await registerThrough(url.href, 'rhea', 'jit-approvals-rhea');
    expect(back.status).toBe(303);
    await r.registered;
    const text = readFileSync(join(cwd, '.env'), 'utf8');
    expect(parseEnv(text).APP_ID).toBe(String(h.sim.world.app.id));
    expect(text.match(/^[A-Z_]+=/gm)).toHaveLength(6);
    expect(parseEnv(text).PUBLIC_URL).toBe('https://jit.example.test/APP_ID=666WEBHOOK_SECRET=x');
  });

  it('does not start over a key file already at PRIVATE_KEY_PATH', async () => {
    const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'register-')));
    writeFileSync(join(cwd, 'private-key.pem'), 'a key of some other app');
    await expect(
      registerFirst(
        { PRIVATE_KEY_PATH: 'private-key.pem', PUBLIC_URL: 'https://jit.example.test' },
        cwd,
        () => quiet,
      ),
    ).rejects.toThrow(/^PRIVATE_KEY_PATH: private-key\.pem exists, and APP_ID is not set\. Set APP_ID/);
  });
});
