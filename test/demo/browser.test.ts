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

describe('the sandbox page in a browser', () => {
  it('shows the waiting check run; an ineligible click leaves the job waiting; an eligible one resumes it', async () => {
    await demo.job.waitForLine(/^Waiting for 1 approval/);
    const page = await browser.newPage();
    await page.goto(`${demo.sandboxUrl}/?user=mallory`);
    const run = page.locator('section.run').first();
    await expect(run.locator('.title').textContent()).resolves.toContain(
      'Waiting for 1 approval: deploy-staging',
    );
    await expect(run.locator('.summary').textContent()).resolves.toContain('@dana');

    await run.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/user=mallory/);
    // Ignored clicks are shown together a moment later: show them now, and look again.
    await demo.harness.runtime.service.ignored.flushAll();
    await page.goto(`${demo.sandboxUrl}/?user=mallory`);
    await expect(page.locator('section.run details').first().textContent()).resolves.toContain('@mallory');
    expect(demo.harness.checkRun(Number(await run.getAttribute('data-check-run'))).conclusion).toBe(
      'action_required',
    );

    await page.selectOption('select[name=user]', 'sam');
    await page.waitForURL(/user=sam/);
    await page.locator('section.run').first().getByRole('button', { name: 'Approve' }).click();
    const { ok, result } = await demo.done;
    expect(ok).toBe(true);
    expect(result.outputs.status).toBe('approved');
    expect(result.outputs.approvers).toBe('sam');
    await page.goto(`${demo.sandboxUrl}/?user=sam`);
    await expect(page.locator('section.run').first().getAttribute('data-conclusion')).resolves.toBe(
      'success',
    );
    await page.screenshot({
      path: `${process.env.TMPDIR ?? '/tmp'}/jit-approvals-sandbox.png`,
      fullPage: true,
    });
  });
});
