import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/read-config.ts';
import { AppError, errorBody } from '../errors.ts';
import { STEP_SECRET_HEADER } from '../domain/step-contract.ts';
import type { GitHubPort } from '../github/port.ts';
import { hangUpAfterRefusal, readBody } from '../http/read-body.ts';
import type { Metrics } from '../metrics.ts';
import type { ApprovalService } from '../service/approval-service.ts';
import type { RunIdentity } from '../service/step-wait.ts';
import type { Logger } from '../logging/logger.ts';
import { Hangup } from '../service/waiters.ts';
import { checkBody } from './request-body.ts';
import type { Store } from '../store/types.ts';
import { refuseUnstorable } from './json-strings.ts';
import type { VerifyOidc } from './oidc.ts';
import { cachedCheck, readinessLog } from './readiness.ts';
import { checkReady } from './readyz.ts';
import { checkRequestsPerRun, LongPolls } from './run-limits.ts';

export interface ApiDeps {
  service: ApprovalService;
  verify: VerifyOidc;
  store: Store;
  github: GitHubPort;
  metrics: Metrics;
  log: Logger;
  limits: Config['limits'];
  /** How long `/readyz` answers from its last check (ms). */
  readyzCacheMs: number;
  /** Mandatory owners whose organization policies cannot be read (MANDATORY_ORG_POLICIES), with the fix. */
  orgPolicyProblems?: () => Promise<string[]>;
  now: () => number;
}

/** Long-polls are answered within this many seconds at most, whatever `wait` asks. */
export const MAX_WAIT_SECONDS = 50;
/** The API's bodies are small (a request is under 2 KiB); anything over this is refused with 413. */
export const MAX_API_BODY_BYTES = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req, MAX_API_BODY_BYTES)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new AppError('bad_request', 'the body is not valid JSON', { cause });
  }
  refuseUnstorable(json);
  return json;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json',
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(type === 'application/json' ? JSON.stringify(body) : String(body));
}

/** Sends the answer of a route and says the route handled the request. */
function answer(res: ServerResponse, status: number, body: unknown, type?: string): true {
  send(res, status, body, type);
  return true;
}

/**
 * The request's `Authorization` header, taken off the request: a long-poll is held for up to
 * `MAX_WAIT_SECONDS`, and the step's OIDC token is not kept in memory for that long (nor reachable
 * by anything that logs the request).
 */
export function takeAuthorization(req: IncomingMessage): string | undefined {
  const value = req.headers.authorization;
  req.headers.authorization = undefined; // not `delete`, which makes the headers object bigger
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    if (req.rawHeaders[i]!.toLowerCase() === 'authorization') req.rawHeaders[i + 1] = '';
  return value;
}

/** A request's path and query, without keeping the parsed URL. */
function target(raw: string | undefined): { pathname: string; searchParams: URLSearchParams } {
  const url = new URL(raw ?? '/', 'http://localhost');
  return { pathname: url.pathname, searchParams: new URLSearchParams(url.search) };
}

const REQUEST_PATH = /^\/api\/v1\/requests\/(req_[0-9a-f]{24})$/;

/** The HTTP API the action calls, plus health and metrics. Returns false for other paths. */
export function createApiHandler(
  deps: ApiDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const longPolls = new LongPolls(deps.limits);
  const ready = cachedCheck(
    () => checkReady(deps.store, deps.github, deps.orgPolicyProblems),
    deps.readyzCacheMs,
    deps.now,
  );
  const readiness = readinessLog(deps.log);
  /**
   * A long-poll, in a function of its own that holds only what the wait needs: the route that
   * starts it returns at once, so neither the step's verified claims nor the parsed URL are kept
   * while it waits (a held poll's memory is what many waiting steps cost).
   */
  const longPoll = async (
    res: ServerResponse,
    id: string,
    run: RunIdentity,
    stepSecret: string | undefined,
    wait: number,
    since: number | undefined,
    free: () => void,
  ): Promise<boolean> => {
    // Until its answer is written out, a decision's check run and comments wait for this step,
    // once it is known to be a step of the request: a refused poll (another run's step, a wrong
    // secret) is never counted, nor does a token get minted for the leg whose secret it names.
    let answered = (): void => undefined;
    const hangup = new Hangup();
    // 'close' follows the answer's last byte (or a hang-up): one listener for both.
    res.on('close', () => {
      hangup.abort();
      free();
      answered();
    });
    try {
      const { request, leg } = await deps.service.wait(
        id,
        run,
        stepSecret,
        Math.min(wait, MAX_WAIT_SECONDS),
        hangup,
        since,
        (step) => {
          if (!hangup.aborted && !res.writableFinished)
            answered = deps.service.answering(id, step.secretHash);
        },
      );
      return answer(res, 200, await deps.service.viewOf({ request, leg }));
    } finally {
      free();
    }
  };
  const route = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: { pathname: string; searchParams: URLSearchParams },
  ): Promise<boolean> => {
    const method = req.method ?? 'GET';
    if (url.pathname === '/healthz' && method === 'GET') return answer(res, 200, { status: 'ok' });
    if (url.pathname === '/readyz' && method === 'GET') {
      // Answered here, not by the error path below: a failing probe is logged once per change.
      const outcome = await ready().then(
        (ok) => ({ ok }),
        (err: unknown) => ({ err }),
      );
      readiness('err' in outcome ? outcome.err : undefined);
      if ('ok' in outcome) {
        const { problems } = outcome.ok;
        return answer(res, 200, { status: 'ready', ...(problems.length > 0 && { problems }) });
      }
      const { status, body } = errorBody(outcome.err);
      return answer(res, status, body);
    }
    if (url.pathname === '/metrics' && method === 'GET')
      return answer(res, 200, await deps.metrics.render(), deps.metrics.contentType);
    if (url.pathname === '/api/v1/requests') {
      if (method !== 'POST')
        throw new AppError('bad_request', `${method} is not supported here; POST a request`);
      const claims = await deps.verify(takeAuthorization(req));
      const body = checkBody(await readJson(req));
      const ofRun = await checkRequestsPerRun(deps.store, claims, body, deps.limits.requestsPerRun);
      const { request: r, leg } = await deps.service.create(claims, body, ofRun);
      deps.log.info(
        {
          request: r.id,
          repository: claims.repository,
          run_id: claims.run_id,
          job: leg.name,
          action: body.action,
          status: r.status,
        },
        'request',
      );
      return answer(res, 201, await deps.service.viewOf({ request: r, leg }));
    }
    const m = REQUEST_PATH.exec(url.pathname);
    if (!m) {
      if (url.pathname.startsWith('/api/'))
        throw new AppError('not_found', `no API route ${method} ${url.pathname}`);
      return false;
    }
    const claims = await deps.verify(takeAuthorization(req));
    const secret = req.headers[STEP_SECRET_HEADER];
    const stepSecret = typeof secret === 'string' ? secret : undefined;
    if (method === 'GET') {
      const wait = Number(url.searchParams.get('wait') ?? 0);
      if (!Number.isFinite(wait) || wait < 0)
        throw new AppError('bad_request', 'wait must be a number of seconds');
      const sinceParam = url.searchParams.get('since');
      const since = sinceParam === null ? undefined : Number(sinceParam);
      if (since !== undefined && !Number.isSafeInteger(since))
        throw new AppError('bad_request', 'since must be the version of an earlier answer (a whole number)');
      const free = wait > 0 ? longPolls.enter(m[1]!, stepSecret ?? '', claims) : () => undefined;
      const run = {
        repository_id: claims.repository_id,
        run_id: claims.run_id,
        run_attempt: claims.run_attempt,
      };
      return longPoll(res, m[1]!, run, stepSecret, wait, since, free); // not awaited here: see longPoll
    }
    if (method === 'DELETE') {
      const { request, leg } = await deps.service.cancel(m[1]!, claims, stepSecret);
      return answer(res, 200, await deps.service.viewOf({ request, leg }));
    }
    throw new AppError('bad_request', `${method} is not supported on a request`);
  };
  return async (req, res) => {
    const url = target(req.url);
    try {
      return await route(req, res, url);
    } catch (err) {
      const { status, body } = errorBody(err);
      if (status >= 500) deps.log.error({ err, path: url.pathname }, body.error.message);
      else deps.log.warn({ path: url.pathname, code: body.error.code }, body.error.message);
      const retryAfter = err instanceof AppError ? err.retryAfterSeconds : undefined;
      if (status === 413) hangUpAfterRefusal(req, res);
      send(res, status, body, 'application/json', {
        ...(retryAfter !== undefined && { 'retry-after': String(retryAfter) }),
      });
      return true;
    }
  };
}
