// The shapes shared by the simulator's route handlers.
import type { IncomingHttpHeaders } from 'node:http';
import type { Resources } from './resources.ts';
import type { Level, SimRepo, SimToken, SimUserToken } from './world.ts';

type Json = Record<string, unknown>;

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext extends Resources {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json;
  headers: IncomingHttpHeaders;
  /** The installation token used, on installation routes. */
  token: SimToken | undefined;
  /** The user access token used, on user routes. */
  userToken: SimUserToken | undefined;
  /** The repository named by `{owner}/{repo}`, checked against the token's repositories. */
  repo: SimRepo;
  now: Date;
}

export interface Route {
  /**
   * `app`: an app JWT; `user`: a user access token; `basic`: the app's client id and secret as
   * HTTP Basic credentials; `none`: no credential at all; otherwise an installation token holding
   * `permission` at `level`.
   */
  auth:
    'app' | 'user' | 'basic' | 'none' | { permission: string; level: Level; scope: 'repo' | 'org' | 'token' };
  handle(ctx: RouteContext): Reply | Promise<Reply>;
}

export const DOCS = 'https://docs.github.com/rest';
export const fail = (status: number, message: string, extra: Json = {}): Reply => ({
  status,
  body: { message, documentation_url: DOCS, status: String(status), ...extra },
});

export const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** `per_page` (default 30, at most 100) and `page` (from 1) of a list, as GitHub pages its lists. */
export function pageOf<T>(ctx: { query: URLSearchParams }, items: readonly T[]): T[] {
  const perPage = Math.min(Math.max(Number(ctx.query.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(ctx.query.get('page') ?? 1) || 1, 1);
  return items.slice((page - 1) * perPage, page * perPage);
}
