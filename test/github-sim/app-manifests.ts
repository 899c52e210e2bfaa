// Registering a GitHub App from a manifest, as GitHub does it: the web host's "register a new app"
// form (`POST /settings/apps/new` or `/organizations/{org}/settings/apps/new`, field `manifest`,
// query `state`), the page that shows the app with its name to edit and a Create button, the
// redirect to the manifest's `redirect_url` with a one-hour `code` and the state, and
// `POST /app-manifests/{code}/conversions`, which creates the app in the world: its key, webhook
// secret and client secret then work like any app's.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorPage, escapeHtml, layout } from './oauth-page.ts';
import { userOf } from './resources.ts';
import { fail, iso, type Route } from './route-kit.ts';
import type { GitHubSimulator } from './server.ts';
import type { Level, Permissions } from './world.ts';

const NEW_APP = /^(?:\/organizations\/([A-Za-z0-9-]+))?\/settings\/apps\/new$/;
const CODE_LIFETIME_MS = 3_600_000;
const LEVELS = new Set(['read', 'write', 'admin']);

type Json = Record<string, unknown>;

function html(res: ServerResponse, status: number, body: string): void {
  res
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    .end(body);
}

async function form(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** What GitHub refuses in a manifest (its page says why), or the manifest. */
function readManifest(text: string | null): Json | string {
  let m: unknown;
  try {
    m = JSON.parse(text ?? '');
  } catch {
    return 'The manifest is not JSON.';
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return 'The manifest is not an object.';
  const manifest = m as Json;
  if (typeof manifest.url !== 'string' || !URL.canParse(manifest.url)) return 'url is required.';
  const hook = manifest.hook_attributes as Json | undefined;
  if (hook !== undefined && (typeof hook.url !== 'string' || !URL.canParse(hook.url)))
    return 'hook_attributes.url is required when hook_attributes is given.';
  if (typeof manifest.redirect_url !== 'string' || !URL.canParse(manifest.redirect_url))
    return 'redirect_url must be a URL (the simulator sends the browser nowhere else).';
  const permissions = (manifest.default_permissions ?? {}) as Json;
  for (const [name, level] of Object.entries(permissions))
    if (!/^[a-z_]+$/.test(name) || !LEVELS.has(String(level)))
      return `default_permissions.${name}: "${String(level)}" is not read, write or admin.`;
  const events = manifest.default_events ?? [];
  if (!Array.isArray(events) || events.some((e) => typeof e !== 'string'))
    return 'default_events must be a list of event names.';
  return manifest;
}

export class AppManifests {
  /** Names of apps registered here so far: GitHub refuses a name already in use. */
  readonly names = new Set<string>();
  readonly #sim: GitHubSimulator;

  constructor(sim: GitHubSimulator) {
    this.#sim = sim;
    sim.sideHandlers.push((req, res, url) => this.#handle(req, res, url));
  }

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const m = NEW_APP.exec(url.pathname);
    if (!m) return false;
    if (req.method !== 'POST') return (html(res, 404, errorPage('Not Found', 'Not Found')), true);
    const world = this.#sim.world;
    const org = m[1];
    if (org !== undefined && world.user(org)?.type !== 'Organization')
      return (html(res, 404, errorPage('Not Found', 'Not Found')), true);
    const params = await form(req);
    const manifest = readManifest(params.get('manifest'));
    if (typeof manifest === 'string')
      return (html(res, 422, errorPage('Invalid GitHub App manifest', manifest)), true);
    const state = url.searchParams.get('state');
    if (params.get('create') === null) return (html(res, 200, this.#page(url, manifest, org)), true);
    const name = (params.get('name') ?? '').trim();
    const owner = org ?? (params.get('login') ?? '').trim();
    const problem =
      !name || name.length > 34
        ? 'Name must have 1 to 34 characters.'
        : this.names.has(name.toLowerCase())
          ? 'Name is already in use.'
          : world.user(owner)?.type !== (org ? 'Organization' : 'User')
            ? 'Sign in as a user to register a personal app.'
            : undefined;
    if (problem) return (html(res, 422, this.#page(url, { ...manifest, name }, org, problem)), true);
    this.names.add(name.toLowerCase());
    const code = randomBytes(20).toString('hex');
    world.manifestCodes.set(code, {
      manifest,
      name,
      owner,
      expiresAt: this.#sim.now().getTime() + CODE_LIFETIME_MS,
    });
    const target = new URL(manifest.redirect_url as string);
    target.searchParams.append('code', code);
    if (state !== null) target.searchParams.append('state', state);
    res.writeHead(302, { location: target.href, 'cache-control': 'no-store' }).end();
    return true;
  }

  /** GitHub's confirmation page: the app's name to edit, what it asks for, and Create. */
  #page(url: URL, manifest: Json, org: string | undefined, error?: string): string {
    const users = [...this.#sim.world.users.values()].filter((u) => u.type === 'User').map((u) => u.login);
    const hidden = `<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(manifest))}">`;
    const permissions = Object.entries((manifest.default_permissions ?? {}) as Json)
      .map(([k, v]) => `<li>${escapeHtml(k)}: ${escapeHtml(String(v))}</li>`)
      .join('');
    const who = org
      ? `<p>Owner: <strong>${escapeHtml(org)}</strong></p>`
      : `<label for="login">Signed in as</label><select id="login" name="login">${users
          .sort()
          .map((u) => `<option>${escapeHtml(u)}</option>`)
          .join('')}</select>`;
    return layout(
      'Create GitHub App',
      `<h1>Create GitHub App${org ? ` for ${escapeHtml(org)}` : ''}</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(url.pathname + url.search)}">
${hidden}
<input type="hidden" name="create" value="1">
${who}
<label for="name">GitHub App name</label>
<input type="text" id="name" name="name" value="${escapeHtml(String(manifest.name ?? ''))}">
<ul class="permissions">${permissions}</ul>
<button type="submit" id="authorize">Create GitHub App</button>
</form>`,
    );
  }
}

/** `POST /app-manifests/{code}/conversions`: the code, once and within its hour, becomes the app. */
export const manifestRoutes = {
  'apps/create-from-manifest': {
    auth: 'none',
    handle: (ctx) => {
      const { world } = ctx;
      const pending = world.manifestCodes.get(ctx.params.code!);
      world.manifestCodes.delete(ctx.params.code!);
      if (!pending || pending.expiresAt <= ctx.now.getTime()) return fail(404, 'Not Found');
      const m = pending.manifest;
      const hook = m.hook_attributes as Json | undefined;
      const slug = pending.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
      const webhookSecret = randomBytes(20).toString('hex');
      const app = world.createApp({
        id: world.nextId(),
        slug,
        name: pending.name,
        owner: pending.owner,
        permissions: { metadata: 'read', ...(m.default_permissions as Record<string, Level>) } as Permissions,
        events: (m.default_events ?? []) as string[],
        callbackUrls: (m.callback_urls ?? []) as string[],
        ...(hook && { webhookUrl: hook.url as string, webhookSecret }),
      });
      const body = ctx.synth.build('integration', {
        id: app.id,
        slug: app.slug,
        name: app.name,
        description: typeof m.description === 'string' ? m.description : '',
        external_url: m.url,
        html_url: `${ctx.baseUrl}/apps/${app.slug}`,
        owner: userOf(ctx, app.owner),
        created_at: iso(ctx.now),
        updated_at: iso(ctx.now),
        permissions: app.permissions,
        events: app.events,
      });
      return {
        status: 201,
        body: {
          ...(body as Json),
          client_id: app.clientId,
          client_secret: app.clientSecret,
          webhook_secret: hook ? webhookSecret : null,
          pem: app.privateKey,
        },
      };
    },
  },
} satisfies Record<string, Route>;
