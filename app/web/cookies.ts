import type { IncomingMessage } from 'node:http';

/** The request's cookies by name (the first of each name; values as sent). */
export function readCookies(req: IncomingMessage): Map<string, string> {
  const found = new Map<string, string>();
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim();
    if (name && !found.has(name)) found.set(name, pair.slice(eq + 1).trim());
  }
  return found;
}

export interface CookieOptions {
  /** Seconds until the browser forgets it; 0 deletes it now. */
  maxAge: number;
  secure: boolean;
  path?: string;
}

/** A `Set-Cookie` value: always HttpOnly and SameSite=Lax (sent on top-level navigations only). */
export function cookie(name: string, value: string, o: CookieOptions): string {
  const parts = [
    `${name}=${value}`,
    `Path=${o.path ?? '/'}`,
    `Max-Age=${o.maxAge}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}
