import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AppHarness, freePort } from '../app/harness.ts';

const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, as the demo's browser test launches it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

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
  const port = await freePort();
  h.publicUrl = `http://127.0.0.1:${port}`;
  h.env = {
    ...h.env,
    GITHUB_CLIENT_ID: h.sim.world.app.clientId,
    GITHUB_CLIENT_SECRET: h.sim.world.app.clientSecret,
    GITHUB_SERVER_URL: h.sim.url,
  };
  await h.startApp(port);
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
