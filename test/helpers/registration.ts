// Driving GitHub's manifest flow against the simulated GitHub as a person's browser does it
// (test/app/registration*.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { expect } from 'vitest';
import { root } from './cli.ts';

/** A repository's policy: alice approves deploys, which get a token that reads contents. */
export const POLICIES = {
  'deploy.yml': `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read }, ttl: 10m }
`,
};

export const appYml = load(readFileSync(join(root, 'app.yml'), 'utf8')) as {
  default_permissions: Record<string, string>;
  default_events: string[];
};

const entities = (s: string): string =>
  s
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

/** The registration page's form to GitHub: where it posts, and the manifest it carries. */
export function githubForm(page: string): { action: string; manifest: string } {
  const form =
    /<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="manifest" value="([^"]*)"/.exec(
      page,
    );
  if (!form) throw new Error(`no form to GitHub on the page:\n${page}`);
  return { action: entities(form[1]!), manifest: entities(form[2]!) };
}

/**
 * A person's browser through the flow: opens the setup link, clicks Register (the manifest goes to
 * GitHub), creates the app on GitHub's page as `login` (or for the organization), and follows
 * GitHub's redirect back to the app. Returns the app's answer to that redirect.
 */
export async function registerThrough(setupUrl: string, login: string, name?: string): Promise<Response> {
  const page = await fetch(setupUrl);
  expect(page.status).toBe(200);
  const { action, manifest } = githubForm(await page.text());
  const confirm = await fetch(action, { method: 'POST', body: new URLSearchParams({ manifest }) });
  const confirmPage = await confirm.text();
  expect(confirm.status, confirmPage).toBe(200);
  expect(confirmPage).toContain('Create GitHub App');
  const created = await fetch(action, {
    method: 'POST',
    body: new URLSearchParams({
      manifest,
      create: '1',
      login,
      name: name ?? (JSON.parse(manifest) as { name: string }).name,
    }),
    redirect: 'manual',
  });
  expect(created.status, await created.clone().text()).toBe(302);
  return fetch(created.headers.get('location')!, { redirect: 'manual' });
}
