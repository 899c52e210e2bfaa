import type { ServerResponse } from 'node:http';
import type { SafeHtml } from './html.ts';

/**
 * What every page is sent with: no script at all, styles and images from the app only, forms
 * that post to the app only, never framed, never cached, and no referrer sent to other sites (same-origin: Chromium sends `Origin: null` on a form under no-referrer, which the CSRF check must refuse).
 */
export const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
} as const;

export function sendPage(
  res: ServerResponse,
  status: number,
  page: SafeHtml,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...PAGE_HEADERS, ...headers });
  res.end(page.text);
}

/** A redirect after a sign-in step or a form (303: the browser follows with GET). */
export function redirect(
  res: ServerResponse,
  to: string,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(303, { location: to, 'cache-control': 'no-store', ...headers });
  res.end();
}

/**
 * Where to go after signing in: a path of this app only (`/requests/…`), never another site
 * (`//evil.example`, `/\\evil.example`, `https:…`).
 */
export function localPath(next: string | null): string {
  return next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/requests';
}
