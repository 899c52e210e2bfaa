import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppHarness } from '../app/harness.ts';
import { freePort } from '../app/harness.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { pageHarness, signIn } from './browser.ts';
import { launchChromium } from '../helpers/chromium.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: [deploy-*] }
    approvers: { users: [rhea] }
`;

let browser: Browser;
let h: AppHarness | undefined;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => browser?.close());
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
  h = undefined;
});

describe('approval page sessions', () => {
  it('survive an app restart, expire after SESSION_HOURS, and end at sign-out', async () => {
    h = await pageHarness({ 'p.yml': POLICY }, (x) => (x.env = { SESSION_HOURS: '8' }));
    h.sim.world.addUser('rhea');
    h.repo.collaborators.set('rhea', 'read');
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, h, 'rhea');
    const [session] = (await context.cookies()).filter((c) => c.name === 'jit_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(session!.expires - Date.now() / 1000).toBeGreaterThan(8 * 3600 - 60);

    const port = Number(new URL(h.url).port);
    await h.stopApp();
    await h.startApp(port);
    await page.goto(`${h.url}/requests`);
    await expect(page.locator('.who').textContent()).resolves.toContain('rhea');

    h.offsetMs = 8 * 3600_000 + 60_000; // the app's clock, past the session's 8 hours
    await page.goto(`${h.url}/requests`);
    await page.waitForURL(/\/login\/oauth\/authorize/);

    await page.fill('#login', 'rhea'); // signed in again, 8 hours on
    await page.click('#authorize');
    await page.waitForURL(`${h.url}/requests`);
    await expect(page.locator('.who').textContent()).resolves.toContain('rhea');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/auth\/signed-out$/);
    await page.goto(`${h.url}/requests`);
    await page.waitForURL(/\/login\/oauth\/authorize/);
    // The user's GitHub token was used for GET /user only, and revoked at once.
    expect([...h.sim.world.userTokens.values()].every((t) => t.revoked)).toBe(true);
    await context.close();
  });

  it('two instances on PostgreSQL share sessions: signed in at one, deciding at the other', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    h = await pageHarness({ 'p.yml': POLICY }, (x) => (x.database = { url: TEST_DATABASE_URL, schema }));
    h.sim.world.addUser('rhea');
    h.repo.collaborators.set('rhea', 'read');
    const step = await h.step();
    const { body } = await h.request(step);
    const first = h.url;
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, h, 'rhea', `${first}/requests/${body.id}`);
    const csrf = await page.locator('form.decide input[name=csrf]').inputValue();
    const nonce = await page.locator('form.decide input[name=nonce]').inputValue();

    await h.startAppProcess(await freePort()); // another instance, behind the same PUBLIC_URL
    const second = h.url;
    expect(second).not.toBe(first);
    await page.goto(`${second}/requests/${body.id}`);
    await expect(page.locator('.who').textContent()).resolves.toContain('rhea');
    const res = await page.request.post(`${second}/requests/${body.id}/decide`, {
      headers: { origin: h.publicUrl, 'content-type': 'application/x-www-form-urlencoded' },
      data: new URLSearchParams({ decision: 'approve', nonce, csrf }).toString(),
    });
    expect(await res.text()).toContain('Your approval counted');
    const polled = await h.poll(step, body.id);
    expect(polled.body).toMatchObject({ status: 'approved', approvers: ['rhea'] });
    await context.close();
  });
});
