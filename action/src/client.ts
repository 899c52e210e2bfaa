import {
  STEP_SECRET_HEADER,
  type CreateRequestBody,
  type ErrorBody,
  type RequestView,
} from '../../app/domain/step-contract.ts';
import { ActionError } from './errors.ts';

export interface ClientDeps {
  appUrl: string;
  /** A fresh OIDC ID token for each call: they live five minutes. */
  idToken: () => Promise<string>;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random: () => number;
  warn: (message: string) => void;
  /** The step's secret: reading and cancelling its request need it. */
  secret: string;
}

/** Transient: the network, 5xx and 429. Everything else is the app's final word. */
class Transient extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Errors that, before the app ever answered, mean app-url is wrong rather than the app briefly away. */
const WRONG_URL = new Set(['ENOTFOUND', 'ECONNREFUSED']);

/** The socket's error behind `fetch failed`: its code and message, if there is one. */
function causeOf(err: unknown): { code?: string; message: string } {
  type Link = { message?: string; code?: string; cause?: Link };
  for (let l = err as Link | undefined, n = 0; l && n < 4; l = l.cause, n++)
    if (l.code) return { code: l.code, message: l.message ?? l.code };
  return { message: (err as Error).message };
}

export class AppClient {
  readonly #d: ClientDeps;
  /** Whether the app has answered once: after that, the same network errors are retried. */
  #answered = false;

  constructor(deps: ClientDeps) {
    this.#d = deps;
  }

  async #once(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<RequestView> {
    const token = await this.#d.idToken();
    let res: Response;
    try {
      res = await this.#d.fetch(`${this.#d.appUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'user-agent': 'jit-approvals-action',
          ...(method === 'POST' ? {} : { [STEP_SECRET_HEADER]: this.#d.secret }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      const cause = causeOf(err);
      if (!this.#answered && cause.code && WRONG_URL.has(cause.code))
        throw new ActionError(
          `could not reach app-url ${this.#d.appUrl} (${cause.message}): check the app-url input (the app's PUBLIC_URL, e.g. \${{ vars.JIT_APP_URL }}) and that the app runs there`,
          { cause: err },
        );
      throw new Transient(`could not reach ${this.#d.appUrl} (${cause.message})`);
    }
    this.#answered = true;
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.ok) return json as RequestView;
    const message = (json as ErrorBody | undefined)?.error?.message ?? `HTTP ${res.status}`;
    if (res.status === 429 || res.status >= 500) {
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new Transient(
        `the app answered ${res.status}: ${message}`,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      );
    }
    throw new ActionError(`the app refused the request (${res.status}): ${message}`);
  }

  /** Calls with retries (exponential backoff with jitter, Retry-After honoured) until `deadline`. */
  async #call(
    method: string,
    path: string,
    body: unknown,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<RequestView> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once(method, path, body, signal);
      } catch (err) {
        if (!(err instanceof Transient)) throw err;
        const backoff = Math.min(30_000, 500 * 2 ** attempt) * (0.5 + this.#d.random() / 2);
        const wait = err.retryAfterMs ?? backoff;
        if (this.#d.now() + wait >= deadline) throw new ActionError(`gave up: ${err.message}`);
        this.#d.warn(`${err.message}; retrying in ${Math.round(wait / 1000)}s`);
        await this.#d.sleep(wait);
      }
    }
  }

  create(body: CreateRequestBody, deadline: number): Promise<RequestView> {
    return this.#call('POST', '/api/v1/requests', body, deadline);
  }

  /** `since`: the version of the last answer, so a change made between two polls is not missed. */
  poll(
    id: string,
    waitSeconds: number,
    deadline: number,
    signal?: AbortSignal,
    since?: number,
  ): Promise<RequestView> {
    const after = typeof since === 'number' ? `&since=${since}` : '';
    return this.#call(
      'GET',
      `/api/v1/requests/${id}?wait=${Math.max(0, Math.floor(waitSeconds))}${after}`,
      undefined,
      deadline,
      signal,
    );
  }

  cancel(id: string, deadline: number): Promise<RequestView> {
    return this.#call('DELETE', `/api/v1/requests/${id}`, undefined, deadline);
  }
}
