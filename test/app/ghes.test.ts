import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from '../../app/config/read-config.ts';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

const BASE = {
  APP_ID: '1',
  PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----',
  WEBHOOK_SECRET: 'x'.repeat(16),
  PUBLIC_URL: 'https://jit.example.com',
};

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
});

describe('GitHub Enterprise Server', () => {
  it('GHE_HOST gives both the API URL and the server URL that links point at', () => {
    const ghes = readConfig({ ...BASE, GHE_HOST: 'ghe.acme.com' });
    expect(ghes.githubApiUrl).toBe('https://ghe.acme.com/api/v3');
    expect(ghes.serverUrl).toBe('https://ghe.acme.com');
    expect(readConfig({ ...BASE, GHE_HOST: 'ghe:8080', GHE_PROTOCOL: 'http' }).serverUrl).toBe(
      'http://ghe:8080',
    );
    expect(readConfig(BASE).serverUrl).toBe('https://github.com');
  });

  it("with GHE_HOST set, the check run's links and the step's check_run_url point at the server", async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY }, { app: false });
    const host = new URL(h.sim.url).host;
    h.env = { GHE_HOST: host, GHE_PROTOCOL: 'http' };
    await h.startApp();
    const step = await h.step();
    const { body } = await h.request(step);
    const id = await checkRunOf(h, body.id);
    expect(body.check_run_url).toBe(`http://${host}/acme/shop/runs/${id}`);
    const run = h.repo.checkRuns.find((c) => c.id === id)!;
    expect(run.output.summary).toContain(`http://${host}/acme/shop/actions/runs/`);
    expect(run.output.summary).not.toContain('github.com');
  });
});
