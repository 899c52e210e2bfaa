import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/run-demo.ts';
import { launchChromium } from '../helpers/chromium.ts';

let browser: Browser;
let demo: Demo;
const printed: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  demo = await startDemo({ scenario: 'approve', approveAs: [], print: (l) => void printed.push(l) });
});
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe('the demo opens the approval page beside the sandbox', () => {
  it('any demo user signs in; sam (of acme/sre) approves there, and the job resumes', async () => {
    await demo.job.waitForLine(/^Waiting for 1 approval/);
    expect(printed.join('\n')).toContain(`Or sign in to the approval page beside it: ${demo.pageUrl}`);
    const line = await demo.job.waitForLine(/Approve or deny at /);
    expect(line).toContain(`${new URL(demo.pageUrl).origin}/requests/req_`);
    const page = await browser.newPage();
    await page.goto(demo.pageUrl);
    // The local GitHub's authorize page offers every demo user.
    await page.getByRole('button', { name: 'sam', exact: true }).click();
    await page.waitForURL(demo.pageUrl);
    await page.getByRole('link', { name: 'deploy-staging' }).click();
    await page.getByLabel('Comment (optional)').fill('ship it');
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('Your approval counted');
    const { ok, result } = await demo.done;
    expect(ok).toBe(true);
    expect(result.outputs.approvers).toBe('sam');
    expect(result.outputs['page-url']).toMatch(/\/requests\/req_[0-9a-f]{24}$/);
  });
});
