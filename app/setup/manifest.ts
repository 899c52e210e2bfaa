// The GitHub App manifest of the registration flow: `app.yml` (name, description, homepage,
// permissions and events), with the URLs of this installation of the app filled in.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

export interface AppYml {
  name: string;
  description?: string;
  url: string;
  public?: boolean;
  default_events: string[];
  default_permissions: Record<string, string>;
}

/** What the app needs of a registration that `app.yml` cannot know. */
export interface ManifestUrls {
  /** Where GitHub sends webhooks and the steps call: PUBLIC_URL. */
  publicUrl: string;
  /** Where GitHub sends the browser back with the code: this setup page's own origin. */
  redirectUrl: string;
  /** The app's name on GitHub (unique on the host); default the one in app.yml. */
  name?: string;
}

/**
 * `app.yml` of this copy of jit-approvals: next to package.json above this module (app/setup/,
 * dist/app/setup/ and the server bundle dist/server/ all sit in a checkout), else in `cwd`.
 * Undefined where there is none (the container image ships only the bundle).
 */
export function findAppYml(cwd: string, from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'app.yml')) && existsSync(join(dir, 'package.json')))
      return join(dir, 'app.yml');
    dir = dirname(dir);
  }
  const local = resolve(cwd, 'app.yml');
  return existsSync(local) ? local : undefined;
}

/** Reads and checks `app.yml`: a malformed one stops the registration before GitHub is asked. */
export function readAppYml(path: string): AppYml {
  const raw = load(readFileSync(path, 'utf8')) as Partial<AppYml> | null;
  const problem = (what: string): Error => new Error(`${path}: ${what}`);
  if (!raw || typeof raw !== 'object') throw problem('is not a YAML mapping');
  if (typeof raw.name !== 'string' || raw.name === '') throw problem('has no name');
  if (typeof raw.url !== 'string') throw problem('has no url (the homepage GitHub shows)');
  if (!Array.isArray(raw.default_events) || raw.default_events.some((e) => typeof e !== 'string'))
    throw problem('default_events is not a list of event names');
  const permissions = raw.default_permissions;
  if (
    !permissions ||
    typeof permissions !== 'object' ||
    Object.values(permissions).some((l) => !['read', 'write', 'admin'].includes(l))
  )
    throw problem('default_permissions is not a map of permission to read, write or admin');
  return raw as AppYml;
}

/** The manifest GitHub registers the app from (the form field `manifest`, as JSON). */
export function buildManifest(app: AppYml, urls: ManifestUrls): Record<string, unknown> {
  return {
    name: urls.name ?? app.name,
    url: app.url,
    ...(app.description && { description: app.description }),
    hook_attributes: { url: `${urls.publicUrl}/api/github/webhooks`, active: true },
    redirect_url: urls.redirectUrl,
    // Sign-in with GitHub on the approval page (GITHUB_CLIENT_ID and _SECRET are written too).
    callback_urls: [`${urls.publicUrl}/auth/callback`],
    public: app.public ?? false,
    default_permissions: app.default_permissions,
    default_events: app.default_events,
  };
}

/** GitHub's "register a new app" form for a personal account or an organization, with the state. */
export function newAppUrl(serverUrl: string, org: string | undefined, state: string): string {
  const where = org ? `/organizations/${encodeURIComponent(org)}` : '';
  return `${serverUrl}${where}/settings/apps/new?state=${encodeURIComponent(state)}`;
}
