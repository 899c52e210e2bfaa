import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { sha256 } from '../crypto/hash.ts';
import type { Store } from '../store/types.ts';
import { cookie, readCookies } from './cookies.ts';
import type { GitHubUser } from './github-user.ts';

/** A signed-in browser: who, and the token its forms must carry. */
export interface Session {
  user: GitHubUser;
  /** The anti-forgery token of this session's forms (derived from its cookie; stored nowhere). */
  csrf: string;
  expiresAt: number;
}

export const randomToken = (): string => randomBytes(32).toString('base64url');

/**
 * Sessions of the approval page, kept in the store (any instance serves them; they survive a
 * restart) under the SHA-256 of their cookie, which is a random 256-bit value. The cookie is
 * HttpOnly and SameSite=Lax, and `__Host-` prefixed and Secure when the app is served over https.
 */
export class Sessions {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly secure: boolean;
  readonly cookieName: string;

  constructor(o: { store: Store; now: () => number; ttlMs: number; secure: boolean }) {
    this.#store = o.store;
    this.#now = o.now;
    this.#ttlMs = o.ttlMs;
    this.secure = o.secure;
    this.cookieName = o.secure ? '__Host-jit_session' : 'jit_session';
  }

  /** Starts a session for `user`; returns its Set-Cookie value. */
  async start(user: GitHubUser): Promise<string> {
    const value = randomToken();
    const expiresAt = this.#now() + this.#ttlMs;
    await this.#store.web.put(
      'session',
      sha256(value),
      { id: user.id, login: user.login, signed_in_at: this.#now() },
      expiresAt,
    );
    return cookie(this.cookieName, value, { maxAge: Math.floor(this.#ttlMs / 1000), secure: this.secure });
  }

  /** The browser's session, unless it has none, or it expired or was signed out of. */
  async current(req: IncomingMessage): Promise<Session | undefined> {
    const value = readCookies(req).get(this.cookieName);
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) return undefined;
    const data = await this.#store.web.get('session', sha256(value), this.#now());
    if (!data || typeof data.id !== 'number' || typeof data.login !== 'string') return undefined;
    return {
      user: { id: data.id, login: data.login },
      csrf: csrfOf(value),
      expiresAt: Number(data.signed_in_at) + this.#ttlMs,
    };
  }

  /** Ends the browser's session; returns the Set-Cookie value that deletes its cookie. */
  async end(req: IncomingMessage): Promise<string> {
    const value = readCookies(req).get(this.cookieName);
    if (value) await this.#store.web.delete('session', sha256(value));
    return cookie(this.cookieName, '', { maxAge: 0, secure: this.secure });
  }
}

const csrfOf = (sessionValue: string): string =>
  createHmac('sha256', sessionValue).update('jit-approvals csrf').digest('base64url');

/** Whether a form's token is its session's (in constant time). */
export function csrfMatches(session: Session, sent: string | null): boolean {
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(sent ?? '');
  return a.length === b.length && timingSafeEqual(a, b);
}
