import type { Page } from 'playwright-core';
import { AppHarness } from '../app/harness.ts';

/**
 * A harness whose app serves the approval page at its PUBLIC_URL (`http://127.0.0.1:<port>`), with
 * sign-in through the simulator's GitHub (client id and secret of the simulated app).
 */
export async function pageHarness(
  policies: Record<string, string>,
  setUp: (h: AppHarness) => void = () => undefined,
): Promise<AppHarness> {
  const h = new AppHarness();
  setUp(h);
  await h.start(policies, { app: false });
  await h.startApp(await h.enableSignIn());
  return h;
}

/** Signs `login` in at GitHub's authorize page from wherever `start` leads, and waits to be back. */
export async function signIn(
  page: Page,
  h: AppHarness,
  login: string,
  start = `${h.url}/requests`,
): Promise<void> {
  await page.goto(start);
  await page.waitForURL(/\/login\/oauth\/authorize/);
  await page.fill('#login', login);
  await page.click('#authorize');
  await page.waitForURL((u) => u.href.startsWith(h.publicUrl) && !u.pathname.startsWith('/auth/'));
}
