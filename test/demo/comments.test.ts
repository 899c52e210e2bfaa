// The demo's sandbox page shows the app's comment on the commit, and a reply `/approve` decides.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/run-demo.ts';
import { launchChromium } from '../helpers/chromium.ts';

let browser: Browser;
let demo: Demo;

beforeAll(async () => {
  browser = await launchChromium();
  demo = await startDemo({ scenario: 'approve', approveAs: [], print: () => undefined });
});
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe('the sandbox page: deciding by comment', () => {
  it('shows the notice that mentions the approvers, and a reply /approve resumes the job', async () => {
    await demo.job.waitForLine(/^Waiting for 1 approval/);
    const page = await browser.newPage();
    await page.goto(`${demo.sandboxUrl}/?user=sam`);
    const notice = page.locator('section.conversation article.comment').first();
    await expect(notice.textContent()).resolves.toContain('@alice');
    // The app marks its comment with an HTML comment naming the request; GitHub does not show it.
    const body = demo.harness.repo.commitComments[0]!.body;
    expect(body).toMatch(/<!-- jit-approvals request req_[0-9a-f]+ -->/);
    await expect(page.locator('section.conversation').textContent()).resolves.not.toContain(
      'jit-approvals request',
    );
    // With a comment, the command names the request (its action) first.
    await page.getByLabel(/Reply as/).fill('/approve deploy-staging ship it');
    await page.getByRole('button', { name: 'Comment' }).click();
    const { ok, result } = await demo.done;
    expect(ok).toBe(true);
    expect(result.outputs.status).toBe('approved');
    expect(result.log.join('\n')).toContain('sam approved: ship it');
    await page.goto(`${demo.sandboxUrl}/?user=sam`);
    await expect(page.locator('section.conversation').textContent()).resolves.toContain('Approved by sam');
    await page.close();
  });
});
