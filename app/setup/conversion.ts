// The last step of GitHub's manifest flow: the code GitHub sent the browser back with, exchanged
// for the new app's id, private key, webhook secret, client id and client secret.

/** The registered app, every value checked to be what GitHub issues (nothing else reaches .env). */
export interface Credentials {
  id: number;
  slug: string;
  name: string;
  /** The app's page on GitHub; its installation page is `<htmlUrl>/installations/new`. */
  htmlUrl: string;
  pem: string;
  webhookSecret: string;
  clientId: string;
  clientSecret: string;
}

export class ConversionError extends Error {}

const PEM =
  /^-----BEGIN (RSA )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (RSA )?PRIVATE KEY-----\r?\n?$/;
/** Printable ASCII without space, quotes, `#`, `$` or backslash: safe on one line of .env as it is. */
const TOKEN = /^[A-Za-z0-9._~+/=-]+$/;

/** The conversion's answer as Credentials; a value that is missing or not of GitHub's form is refused. */
export function checkedCredentials(body: unknown, serverUrl: string): Credentials {
  const b = (body ?? {}) as Record<string, unknown>;
  const text = (name: string, pattern: RegExp, min = 1): string => {
    const v = b[name];
    if (typeof v !== 'string' || v.length < min || v.length > 8192 || !pattern.test(v))
      throw new ConversionError(`GitHub's answer has no usable ${name}`);
    return v;
  };
  if (!Number.isSafeInteger(b.id) || (b.id as number) <= 0)
    throw new ConversionError("GitHub's answer has no app id");
  const webhookSecret = b.webhook_secret;
  if (webhookSecret === null)
    throw new ConversionError(
      'GitHub registered the app without a webhook secret: set one on its settings page, and WEBHOOK_SECRET to it',
    );
  const slug = text('slug', /^[a-z0-9-]+$/);
  const given = typeof b.html_url === 'string' && URL.canParse(b.html_url) ? new URL(b.html_url) : undefined;
  return {
    id: b.id as number,
    slug,
    name: typeof b.name === 'string' ? b.name : slug,
    // The app's page on the same GitHub (the browser is sent there next), else the one its slug names.
    htmlUrl:
      given && given.origin === new URL(serverUrl).origin
        ? given.href.replace(/\/$/, '')
        : `${serverUrl}/apps/${slug}`,
    pem: text('pem', PEM),
    webhookSecret: text('webhook_secret', TOKEN, 16),
    clientId: text('client_id', TOKEN),
    clientSecret: text('client_secret', TOKEN),
  };
}

/**
 * `POST /app-manifests/{code}/conversions` (no authentication). GitHub answers 404 for a code that
 * is unknown, used or older than an hour.
 */
export async function convert(
  apiUrl: string,
  serverUrl: string,
  code: string,
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
): Promise<Credentials> {
  let res: Response;
  try {
    res = await fetchImpl(`${apiUrl}/app-manifests/${encodeURIComponent(code)}/conversions`, {
      method: 'POST',
      headers: {
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'jit-approvals',
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new ConversionError(`GitHub's API at ${apiUrl} did not answer (${(err as Error).message})`);
  }
  if (res.status === 404)
    throw new ConversionError(
      'GitHub does not know this code: it was used already or is older than an hour. Register again',
    );
  if (res.status !== 201)
    throw new ConversionError(`GitHub answered the conversion with HTTP ${res.status}. Register again`);
  return checkedCredentials(await res.json().catch(() => undefined), serverUrl);
}
