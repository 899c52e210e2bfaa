import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppHarness } from '../app/harness.ts';
import { pageHarness, signIn } from './browser.ts';
import { launchChromium } from '../helpers/chromium.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: [deploy-*], environment: [production] }
    approvers: { users: [rhea, dana, eve] }
    timeout: 30m
    token: { permissions: { contents: read }, ttl: 15m }
`;

let browser: Browser;
let h: AppHarness | undefined;
let context: BrowserContext | undefined;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => browser?.close());
afterEach(async () => {
  await context?.close();
  context = undefined;
  await h?.stop();
  h?.sim.assertNoViolations();
  h = undefined;
});

/** The app with acme/shop private: rhea (an approver) and mallory read it; eve (also listed) cannot. */
async function start(): Promise<AppHarness> {
  h = await pageHarness({ 'p.yml': POLICY });
  for (const login of ['rhea', 'mallory', 'eve', 'dana']) h.sim.world.addUser(login);
  h.repo.collaborators.set('rhea', 'read');
  h.repo.collaborators.set('mallory', 'read');
  h.repo.collaborators.set('dana', 'write');
  context = await browser.newContext();
  return h;
}

/** A pending request of dana's run, and its step. */
async function pending(harness: AppHarness) {
  const step = await harness.step();
  const created = await harness.request(step);
  expect(created.body.status).toBe('pending');
  return { step, id: created.body.id };
}

describe('the approval page', () => {
  it('an approver with read access only signs in, sees the request waiting, approves with a comment, and the step resumes', async () => {
    const app = await start();
    const { step, id } = await pending(app);
    const waiting = app.poll(step, id, 20);
    const page = await context!.newPage();
    await signIn(page, app, 'rhea');
    await expect(page.locator('h1').textContent()).resolves.toBe('Waiting for you');
    await expect(page.locator('ul.cards li').count()).resolves.toBe(1);
    await expect(page.locator('ul.cards li').textContent()).resolves.toContain('ship it');
    await page.getByRole('link', { name: 'deploy-web' }).click();
    expect(new URL(page.url()).pathname).toBe(`/requests/${id}`);
    const csrf = await page.locator('form.decide input[name=csrf]').inputValue();
    const nonce = await page.locator('form.decide input[name=nonce]').inputValue();
    await page.getByLabel('Comment (optional)').fill('looks good <b>to me</b>');
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('Your approval counted');
    // The comment is shown as text, never as markup.
    await expect(page.locator('td', { hasText: 'looks good' }).textContent()).resolves.toBe(
      'looks good <b>to me</b>',
    );
    const resumed = await waiting;
    expect(resumed.body).toMatchObject({ status: 'approved', approvers: ['rhea'] });
    expect(await app.decrypt(step, resumed.body.token!.jwe)).toMatch(/^ghs_/);
    const votes = await app.runtime.store.votes(id);
    expect(votes).toMatchObject([
      { voterLogin: 'rhea', decision: 'approve', comment: 'looks good <b>to me</b>' },
    ]);
    expect(votes[0]!.delivery).toMatch(/^page:\d+:[0-9a-f]{32}$/);
    // Sending the same form again is the same vote: nothing more is recorded.
    const again = await page.request.post(`${app.url}/requests/${id}/decide`, {
      headers: { origin: app.publicUrl, 'content-type': 'application/x-www-form-urlencoded' },
      data: new URLSearchParams({ decision: 'approve', nonce, csrf, comment: 'again' }).toString(),
    });
    expect(await again.text()).toContain('This form was sent before');
    const events = (await app.runtime.store.auditOf(id)).map((e) => e.type);
    expect(events.filter((t) => t === 'vote')).toHaveLength(1);
  });

  it('a non-approver sees the request listed nowhere, and forged posts change nothing', async () => {
    const app = await start();
    const { id } = await pending(app);
    const page = await context!.newPage();
    await signIn(page, app, 'mallory');
    await expect(page.locator('main').textContent()).resolves.toContain('Nothing waits for you');
    await page.goto(`${app.url}/requests/${id}`);
    await expect(page.locator('main').textContent()).resolves.toContain('You cannot decide this request');
    await expect(page.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);
    // Mallory's own session token, from the sign-out form, on a form to approve:
    const csrf = await page.locator('input[name=csrf]').first().inputValue();
    const form = (over: Record<string, string>) =>
      new URLSearchParams({ decision: 'approve', nonce: 'a'.repeat(32), csrf, ...over }).toString();
    const post = (body: string, origin = app.publicUrl) =>
      page.request.post(`${app.url}/requests/${id}/decide`, {
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        data: body,
        maxRedirects: 0,
      });
    expect((await post(form({ csrf: '' }))).status()).toBe(403);
    expect((await post(form({ csrf: 'x'.repeat(csrf.length) }))).status()).toBe(403);
    expect((await post(form({}), 'https://evil.example')).status()).toBe(403);
    // With everything right, a non-approver's vote is refused, and nothing is written.
    const honest = await post(form({}));
    expect(honest.status()).toBe(403);
    expect(await honest.text()).toContain('Your vote did not count');
    expect(await app.runtime.store.votes(id)).toEqual([]);
    expect((await app.runtime.store.getRequest(id))!.status).toBe('pending');
    const types = (await app.runtime.store.auditOf(id)).map((e) => e.type);
    expect(types).toEqual(['request']);
  });

  it('an approver whose form comes from another site, or without its token, changes nothing', async () => {
    const app = await start();
    const { id } = await pending(app);
    const page = await context!.newPage();
    await signIn(page, app, 'rhea', `${app.url}/requests/${id}`);
    const csrf = await page.locator('form.decide input[name=csrf]').inputValue();
    const nonce = await page.locator('form.decide input[name=nonce]').inputValue();
    const post = (fields: Record<string, string>, headers: Record<string, string>) =>
      page.request.post(`${app.url}/requests/${id}/decide`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        data: new URLSearchParams({ decision: 'approve', nonce, ...fields }).toString(),
      });
    expect((await post({ csrf }, { origin: 'https://evil.example' })).status()).toBe(403);
    expect((await post({ csrf }, {})).status()).toBe(403); // no Origin at all
    expect((await post({}, { origin: app.publicUrl })).status()).toBe(403);
    expect(await app.runtime.store.votes(id)).toEqual([]);
    expect((await app.runtime.store.auditOf(id)).map((e) => e.type)).toEqual(['request']);
  });

  it('the actor cannot approve her own request', async () => {
    const app = await start();
    const { id } = await pending(app);
    const page = await context!.newPage();
    await signIn(page, app, 'dana');
    await expect(page.locator('main').textContent()).resolves.toContain('Nothing waits for you');
    await page.goto(`${app.url}/requests/${id}`);
    await expect(page.locator('.notice').textContent()).resolves.toContain(
      'you started or re-ran the run, and self-approval is not allowed',
    );
    const csrf = await page.locator('input[name=csrf]').first().inputValue();
    const res = await page.request.post(`${app.url}/requests/${id}/decide`, {
      headers: { origin: app.publicUrl, 'content-type': 'application/x-www-form-urlencoded' },
      data: new URLSearchParams({ decision: 'approve', nonce: 'b'.repeat(32), csrf }).toString(),
    });
    expect(await res.text()).toContain('self-approval is not allowed');
    expect(await app.runtime.store.votes(id)).toEqual([]);
    expect((await app.runtime.store.getRequest(id))!.status).toBe('pending');
  });

  it('a user who cannot read a private repository gets 404 for its request, and it is listed nowhere', async () => {
    const app = await start();
    const { id } = await pending(app);
    const page = await context!.newPage();
    await signIn(page, app, 'eve'); // listed as an approver, but no access to acme/shop
    await expect(page.locator('main').textContent()).resolves.toContain('Nothing waits for you');
    const res = await page.goto(`${app.url}/requests/${id}`);
    expect(res!.status()).toBe(404);
    await expect(page.locator('main').textContent()).resolves.not.toContain('deploy-web');
    const unknown = await page.goto(`${app.url}/requests/req_${'0'.repeat(24)}`);
    expect(unknown!.status()).toBe(404);
    await page.goto(`${app.url}/decisions`);
    await expect(page.locator('main').textContent()).resolves.not.toContain('acme/shop');
  });
});
