// The simulator's registration from a manifest: GitHub's page, its refusals, and the conversion
// (once per code), held to GitHub's description like every other operation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubSimulator } from './server.ts';

const manifest = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({
    name: 'octoapp',
    url: 'https://example.test',
    hook_attributes: { url: 'https://example.test/hooks' },
    redirect_url: 'http://127.0.0.1:9/back?from=sim',
    default_permissions: { checks: 'write' },
    default_events: ['check_run'],
    ...over,
  });

describe('registering an app from a manifest', () => {
  const sim = new GitHubSimulator();
  beforeAll(async () => {
    sim.world.addUser('rhea');
    sim.world.addUser('acme', 'Organization');
    await sim.start();
  });
  afterAll(() => sim.stop());

  const post = (path: string, fields: Record<string, string>) =>
    fetch(`${sim.url}${path}`, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
  const convert = (code: string) => fetch(`${sim.url}/app-manifests/${code}/conversions`, { method: 'POST' });

  it('shows the app, redirects with a code and the state, and converts the code once', async () => {
    const page = await post('/settings/apps/new?state=s1', { manifest: manifest() });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('value="octoapp"');
    const created = await post('/settings/apps/new?state=s1', {
      manifest: manifest(),
      create: '1',
      login: 'rhea',
      name: 'octoapp',
    });
    expect(created.status).toBe(302);
    const back = new URL(created.headers.get('location')!);
    expect(back.origin + back.pathname).toBe('http://127.0.0.1:9/back');
    expect(back.searchParams.get('from')).toBe('sim');
    expect(back.searchParams.get('state')).toBe('s1');
    const code = back.searchParams.get('code')!;
    const res = await convert(code);
    expect(res.status).toBe(201);
    const app = (await res.json()) as Record<string, unknown>;
    expect(app).toMatchObject({ id: sim.world.app.id, slug: 'octoapp', pem: sim.world.app.privateKey });
    expect(sim.world.app).toMatchObject({
      owner: 'rhea',
      permissions: { metadata: 'read', checks: 'write' },
    });
    expect(app.webhook_secret).toBe(sim.world.app.webhookSecret);
    expect((await convert(code)).status).toBe(404); // once
    sim.assertNoViolations();
  });

  it('refuses a name in use, an unknown organization and a manifest that is not one', async () => {
    const taken = await post('/settings/apps/new', {
      manifest: manifest(),
      create: '1',
      login: 'rhea',
      name: 'OctoApp',
    });
    expect(taken.status).toBe(422);
    expect(await taken.text()).toContain('Name is already in use.');
    expect((await post('/organizations/nobody/settings/apps/new', { manifest: manifest() })).status).toBe(
      404,
    );
    const broken = await post('/organizations/acme/settings/apps/new', { manifest: manifest({ url: 3 }) });
    expect(broken.status).toBe(422);
    expect(await broken.text()).toContain('url is required.');
    expect((await convert('f'.repeat(40))).status).toBe(404);
    sim.assertNoViolations();
  });
});
