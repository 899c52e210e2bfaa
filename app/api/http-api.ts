import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, errorBody } from '../errors.ts';
import type { GitHubPort } from '../github/port.ts';
import type { Metrics } from '../metrics.ts';
import type { ApprovalService, Logger } from '../service/approval-service.ts';
import { checkBody } from '../service/request-input.ts';
import type { Store } from '../store/types.ts';
import type { VerifyOidc } from './oidc.ts';

export interface ApiDeps {
  service: ApprovalService;
  verify: VerifyOidc;
  store: Store;
  github: GitHubPort;
  metrics: Metrics;
  log: Logger;
}

/** Long-polls are answered within this many seconds at most, whatever `wait` asks. */
export const MAX_WAIT_SECONDS = 50;
const MAX_BODY = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new AppError('bad_request', `the body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (cause) {
    throw new AppError('bad_request', 'the body is not valid JSON', { cause });
  }
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(type === 'application/json' ? JSON.stringify(body) : String(body));
}

const REQUEST_PATH = /^\/api\/v1\/requests\/(req_[0-9a-f]{24})$/;

/** The HTTP API the action calls, plus health and metrics. Returns false for other paths. */
export function createApiHandler(
  deps: ApiDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const method = req.method ?? 'GET';
    if (url.pathname === '/healthz' && method === 'GET') return (send(res, 200, { status: 'ok' }), true);
    if (url.pathname === '/readyz' && method === 'GET') {
      await deps.store
        .ping()
        .catch((cause) =>
          Promise.reject(new AppError('unavailable', 'the store is not reachable', { cause })),
        );
      await deps.github.ping();
      return (send(res, 200, { status: 'ready' }), true);
    }
    if (url.pathname === '/metrics' && method === 'GET')
      return (send(res, 200, deps.metrics.render(), 'text/plain; version=0.0.4'), true);
    if (url.pathname === '/api/v1/requests') {
      if (method !== 'POST')
        throw new AppError('bad_request', `${method} is not supported here; POST a request`);
      const claims = await deps.verify(req.headers.authorization);
      const body = checkBody(await readJson(req));
      const r = await deps.service.create(claims, body);
      deps.log.info(
        {
          request: r.id,
          repository: claims.repository,
          run_id: claims.run_id,
          action: body.action,
          status: r.status,
        },
        'request',
      );
      return (send(res, 201, deps.service.view(r)), true);
    }
    const m = REQUEST_PATH.exec(url.pathname);
    if (!m) {
      if (url.pathname.startsWith('/api/'))
        throw new AppError('not_found', `no API route ${method} ${url.pathname}`);
      return false;
    }
    const claims = await deps.verify(req.headers.authorization);
    if (method === 'GET') {
      const wait = Number(url.searchParams.get('wait') ?? 0);
      if (!Number.isFinite(wait) || wait < 0)
        throw new AppError('bad_request', 'wait must be a number of seconds');
      const aborted = new AbortController();
      res.on('close', () => aborted.abort());
      const r = await deps.service.wait(m[1]!, claims, Math.min(wait, MAX_WAIT_SECONDS), aborted.signal);
      return (send(res, 200, deps.service.view(r)), true);
    }
    if (method === 'DELETE')
      return (send(res, 200, deps.service.view(await deps.service.cancel(m[1]!, claims))), true);
    throw new AppError('bad_request', `${method} is not supported on a request`);
  };
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      return await route(req, res, url);
    } catch (err) {
      const { status, body } = errorBody(err);
      if (status >= 500) deps.log.error({ err, path: url.pathname }, body.error.message);
      else deps.log.warn({ path: url.pathname, code: body.error.code }, body.error.message);
      send(res, status, body);
      return true;
    }
  };
}
