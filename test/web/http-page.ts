// The approval page driven over plain HTTP with cookies (no browser): sign-in through the
// simulator's authorize page, pages, forms, and what the app stored meanwhile.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'vitest';
import type { AppHarness } from '../app/harness.ts';

/** The `name=value` of a cookie the response sets. */
export const cookieOf = (res: Response, name: string): string | undefined =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${name}=`));

/** `/auth/signin?next=…`: the browser's state cookie and where GitHub's authorize page is. */
export async function beginSignIn(app: AppHarness, next?: string) {
  const query = next === undefined ? '' : `?next=${encodeURIComponent(next)}`;
  const res = await fetch(`${app.url}/auth/signin${query}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const [set] = res.headers.getSetCookie();
  return { cookie: set!.split(';')[0]!, set: set!, authorize: new URL(res.headers.get('location')!) };
}

/** `login` authorizes at the simulator's authorize page: the callback URL GitHub sends the browser to. */
export async function authorizeAs(authorize: URL, login: string): Promise<string> {
  const form = new URLSearchParams(authorize.searchParams);
  form.set('login', login);
  const res = await fetch(`${authorize.origin}${authorize.pathname}`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  expect(res.status).toBe(302);
  return res.headers.get('location')!;
}

/** The browser follows GitHub's redirect back to the app, with `cookie` if it has one. */
export const callback = (app: AppHarness, to: string, cookie?: string) =>
  fetch(`${app.url}${new URL(to).pathname}${new URL(to).search}`, {
    redirect: 'manual',
    ...(cookie && { headers: { cookie } }),
  });

/** Signs `login` in without a browser; the session cookie and where the app sent the browser. */
export async function httpSignIn(app: AppHarness, login: string, next?: string) {
  const { cookie, authorize } = await beginSignIn(app, next);
  const res = await callback(app, await authorizeAs(authorize, login), cookie);
  expect(res.status).toBe(303);
  return {
    session: cookieOf(res, 'jit_session') ?? cookieOf(res, '__Host-jit_session')!,
    set: res.headers.getSetCookie(),
    location: res.headers.get('location')!,
  };
}

export const get = (app: AppHarness, path: string, session: string) =>
  fetch(`${app.url}${path}`, { headers: { cookie: session }, redirect: 'manual' });

/** The session's CSRF token, from the sign-out form of any page. */
export async function csrfOf(app: AppHarness, session: string): Promise<string> {
  const text = await (await get(app, '/requests', session)).text();
  return /name="csrf" value="([^"]+)"/.exec(text)![1]!;
}

/** Posts the decide form of request `id` (approve, a fresh nonce, unless `fields` say otherwise). */
export function decide(
  app: AppHarness,
  id: string,
  session: string,
  fields: Record<string, string>,
  headers: Record<string, string> = { origin: app.publicUrl },
) {
  return fetch(`${app.url}/requests/${id}/decide`, {
    method: 'POST',
    headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ decision: 'approve', nonce: randomBytes(16).toString('hex'), ...fields }),
    redirect: 'manual',
  });
}

/** Rows in each table of the app's SQLite file, read beside the running app. */
export function rowCounts(app: AppHarness): Record<string, number> {
  const db = new DatabaseSync(join(app.dataDir, 'jit-approvals.sqlite'), { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    return Object.fromEntries(
      tables.map(({ name }) => {
        const row = db.prepare(`SELECT COUNT(*) AS n FROM "${String(name)}"`).get() as { n: number };
        return [String(name), Number(row.n)];
      }),
    );
  } finally {
    db.close();
  }
}

/** A counter's value as `/metrics` shows it (0 when the series is not there). */
export async function counter(app: AppHarness, series: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
