// `npm start` without APP_ID: the GitHub App manifest flow, served on the app's own HTTP server.
// A page (behind a one-time setup link printed at start) posts the manifest built from app.yml to
// GitHub with a state; GitHub sends the browser back with a code; the app exchanges it for the
// new app's credentials, writes them to .env (mode 0600), and hands them to `npm start`, which then
// starts the app for real in the same process.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/read-config.ts';
import { listen, type Serving } from '../http/serve.ts';
import { STYLESHEET } from '../web/pages/style.ts';
import { PAGE_HEADERS } from '../web/respond.ts';
import type { SafeHtml } from '../web/html.ts';
import { ConversionError, convert, type Credentials } from './conversion.ts';
import { buildManifest, newAppUrl, readAppYml } from './manifest.ts';
import { problemPage, setupPage } from './setup-page.ts';
import { writeRegistration, type Written } from './write-env.ts';

/** What the registration needs of the settings (read as the app reads them; see app/main.ts). */
export type SetupConfig = Pick<
  Config,
  'serverUrl' | 'githubApiUrl' | 'port' | 'host' | 'http' | 'githubTimeoutMs'
>;

export interface RegistrationOptions {
  config: SetupConfig;
  /** PUBLIC_URL when it is set; otherwise the page asks (default: where the page was opened). */
  publicUrl: string | undefined;
  /** GH_ORG (as Probot names it): register under this organization unless the page says otherwise. */
  org: string | undefined;
  /** Where the key goes (PRIVATE_KEY_PATH, default private-key.pem); .env names it. */
  keyPath: string;
  appYml: string;
  cwd: string;
  log: Logger;
  fetch?: typeof fetch;
}

export interface Registration {
  /** The setup link (with its key), as printed at start. */
  setupUrl: string;
  server: Serving;
  /** The settings written, once the app is registered and .env written (the server is then closed). */
  registered: Promise<Written>;
}

/** A state lives as long as GitHub's code does: an hour. At most this many wait at once. */
const STATE_MS = 3_600_000;
const MAX_STATES = 64;
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

const sameSecret = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function send(res: ServerResponse, status: number, page: SafeHtml, formTo?: string): void {
  const headers: Record<string, string> = {
    'content-type': 'text/html; charset=utf-8',
    ...PAGE_HEADERS,
    // The setup link's key never leaves in a Referer; the one form may post to GitHub.
    'referrer-policy': 'no-referrer',
  };
  if (formTo)
    headers['content-security-policy'] = PAGE_HEADERS['content-security-policy'].replace(
      "form-action 'self'",
      `form-action 'self' ${formTo}`,
    );
  res.writeHead(status, headers).end(page.text);
}

/** The origin the browser used to open the page: where GitHub sends it back. */
function origin(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host ?? '';
  const proto = String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]!
    .trim();
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) return fallback;
  return `${proto === 'https' ? 'https' : 'http'}://${host}`;
}

/** A public URL given in the form: http(s), no credentials, query or fragment; undefined otherwise. */
function publicUrlOf(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (!/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash)
    return undefined;
  const text = url.href.replace(/\/+$/, '');
  return /^[\x21-\x7e]+$/.test(text) ? text : undefined;
}

export async function startRegistration(o: RegistrationOptions): Promise<Registration> {
  const app = readAppYml(o.appYml);
  const key = randomBytes(24).toString('base64url');
  const states = new Map<string, { expires: number; publicUrl: string }>();
  const envPath = resolve(o.cwd, '.env');
  const github = new URL(o.config.serverUrl).origin;
  let converting = false;
  let done!: (written: Written) => void;
  const registered = new Promise<Written>((r) => (done = r));

  const page = (req: IncomingMessage, res: ServerResponse, q: URLSearchParams): void => {
    if (!sameSecret(q.get('key') ?? '', key))
      return send(
        res,
        403,
        problemPage(
          'Open the setup link',
          "Open the setup link the app printed when it started (its log line 'APP_ID is not set: register the app on GitHub. Open …'): it carries a key that only the app's log shows.",
        ),
      );
    const org = (q.get('org') ?? o.org ?? '').trim();
    const name = (q.get('name') ?? app.name).trim();
    const given = q.get('public_url')?.trim();
    const publicUrl = o.publicUrl ?? (given ? publicUrlOf(given) : origin(req, 'http://localhost'));
    const problem =
      org && !LOGIN.test(org)
        ? `"${org}" is not an organization's login (letters, digits and hyphens).`
        : !name || name.length > 34
          ? "The app's name must have 1 to 34 characters."
          : publicUrl === undefined
            ? `"${given}" is not an http(s) URL without a query.`
            : undefined;
    // Every page has its own state; the oldest goes when too many wait (a state is a link's click).
    const state = randomBytes(24).toString('base64url');
    for (const [s, v] of states) if (v.expires < Date.now() || states.size >= MAX_STATES) states.delete(s);
    if (!problem) states.set(state, { expires: Date.now() + STATE_MS, publicUrl: publicUrl! });
    const manifest = buildManifest(app, {
      publicUrl: publicUrl ?? '',
      redirectUrl: `${origin(req, 'http://localhost')}/setup/callback`,
      name,
    });
    send(
      res,
      problem ? 400 : 200,
      setupPage({
        key,
        app,
        serverUrl: o.config.serverUrl,
        action: newAppUrl(o.config.serverUrl, org || undefined, state),
        manifest: JSON.stringify(manifest),
        org,
        name,
        publicUrl: publicUrl ?? given ?? '',
        publicUrlFixed: o.publicUrl !== undefined,
        envPath,
        keyPath: o.keyPath,
        problem,
      }),
      github,
    );
  };

  const callback = async (res: ServerResponse, q: URLSearchParams): Promise<void> => {
    const back = `/setup?key=${key}`;
    const pending = states.get(q.get('state') ?? '');
    const code = q.get('code') ?? '';
    if (!pending || pending.expires < Date.now() || !/^[A-Za-z0-9_-]{1,128}$/.test(code))
      return send(
        res,
        400,
        problemPage(
          'Not a registration from this page',
          'This answer does not carry the state of a registration page this app showed in the last hour: nothing was written. Open the setup link again and register from there.',
        ),
      );
    if (converting)
      return send(res, 409, problemPage('Already registering', 'Another registration is under way.'));
    states.delete(q.get('state')!);
    converting = true;
    let app: Credentials;
    try {
      app = await convert(o.config.githubApiUrl, o.config.serverUrl, code, o.config.githubTimeoutMs, o.fetch);
    } catch (err) {
      converting = false;
      if (!(err instanceof ConversionError)) throw err;
      o.log.warn(`the registration failed: ${err.message}`);
      return send(res, 502, problemPage('The registration failed', `${err.message}.`, back));
    }
    const values: Written = {
      APP_ID: String(app.id),
      WEBHOOK_SECRET: app.webhookSecret,
      GITHUB_CLIENT_ID: app.clientId,
      GITHUB_CLIENT_SECRET: app.clientSecret,
      ...(o.publicUrl === undefined && { PUBLIC_URL: pending.publicUrl }),
    };
    let files: string[];
    try {
      files = writeRegistration(o.cwd, values, app.pem, o.keyPath);
    } catch (err) {
      const message = `GitHub registered the app ${app.slug} (id ${app.id}), but its settings could not be written (${(err as Error).message}). Delete the app on GitHub (${app.htmlUrl}), make ${o.cwd} writable and register again`;
      o.log.error(message);
      return send(res, 500, problemPage('The settings could not be written', message));
    }
    o.log.info(
      { app_id: app.id, slug: app.slug, files },
      `registered the GitHub App ${app.slug} (id ${app.id}); its settings are in ${files.join(' and ')} (mode 0600). Install it: ${app.htmlUrl}/installations/new`,
    );
    res.once('finish', () => done({ ...values, PRIVATE_KEY_PATH: o.keyPath }));
    res.writeHead(303, { location: `${app.htmlUrl}/installations/new`, 'cache-control': 'no-store' }).end();
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return false;
    if (url.pathname === '/' || url.pathname === '/setup') page(req, res, url.searchParams);
    else if (url.pathname === '/setup/callback') await callback(res, url.searchParams);
    else if (url.pathname === '/assets/app.css') {
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-store' });
      res.end(STYLESHEET);
    } else if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'registering' }));
    } else return false;
    return true;
  };

  const server = await listen({
    handlers: [handler],
    http: o.config.http,
    port: o.config.port,
    host: o.config.host,
    log: o.log,
  });
  // Listening on every interface: this machine's browser reaches it as localhost.
  const everywhere = o.config.host === '0.0.0.0' || o.config.host === '::';
  const setupUrl = `${everywhere ? `http://localhost:${new URL(server.url).port}` : server.url}/setup?key=${key}`;
  o.log.info(
    `APP_ID is not set: register the app on GitHub. Open ${setupUrl} (this link works until the app is registered)`,
  );
  return { setupUrl, server, registered };
}
