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
