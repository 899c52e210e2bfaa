import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ApplicationFunction, Probot } from 'probot';
import type { Config } from '../config/read-config.ts';
import { AppError, errorBody } from '../errors.ts';
import { exactPath } from './exact-path.ts';
import { hangUpAfterRefusal, readBody, refuseDeclaredOver } from './read-body.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => boolean | void | Promise<boolean | void>;

export interface ServeOptions {
  probot: Probot;
  app: ApplicationFunction;
  http: Config['http'];
  port: number;
  host: string;
  log: Logger;
  webhookPath?: string;
  /** The webhook secret: a delivery without its signature is refused here, with one warning. */
  webhookSecret?: string;
}

export interface Serving {
  url: string;
  /** Stops listening and closes every connection (held long-polls too: their steps retry). */
  close(): Promise<void>;
}

function sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  if (res.headersSent) return void res.destroy();
  const { status, body } = errorBody(err);
  if (status === 413) hangUpAfterRefusal(req, res);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * A webhook delivery must carry GitHub's signature of its body with the app's secret. One that does
 * not is refused (400) with one warning, before Probot, which would log it as an error twice, with
 * stacks.
 */
function refuseUnsigned(
  req: IncomingMessage,
  body: string | Buffer,
  secret: string,
  log: Pick<Logger, 'warn'>,
): void {
  const given = req.headers['x-hub-signature-256'];
  const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  if (typeof given === 'string' && given.length === expected.length)
    if (timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return;
  const why =
    typeof given === 'string' ? 'a signature that does not match' : 'no x-hub-signature-256 signature';
  log.warn(
    {
      delivery: String(req.headers['x-github-delivery'] ?? ''),
      event: String(req.headers['x-github-event'] ?? ''),
    },
    `webhook rejected: ${why} (not from GitHub, or WEBHOOK_SECRET differs from the app's webhook secret)`,
  );
  throw new AppError('bad_request', 'the webhook signature is missing or wrong');
}

/** Paths a load balancer or Prometheus asks every few seconds. */
const ROUTINE = new Set(['/healthz', '/readyz', '/metrics']);

/** What `listen` serves: handlers in order, and optionally Probot's webhook middleware at its path. */
export interface ListenOptions {
  handlers: readonly Handler[];
  webhook?: {
    path: string;
    handle: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;
    secret?: string;
  };
  http: Config['http'];
  port: number;
  host: string;
  log: Logger;
}

/**
 * Serves a Probot app on its own HTTP server, in front of Probot's webhook middleware: a request is
 * routed only on its exact path; bodies over `maxBodyBytes` are refused (413) by content-length
 * and by bytes read, before Probot would buffer them whole; clients that take longer than the
 * timeouts to send their headers or their request are cut off (408).
 */
export async function serve(o: ServeOptions): Promise<Serving> {
  const handlers: Handler[] = [];
  await o.probot.load(o.app, { cwd: process.cwd(), addHandler: (h) => void handlers.push(h) });
  const path = o.webhookPath ?? '/api/github/webhooks';
  const handle = await o.probot.getNodeMiddleware({ path });
  return listen({
    handlers,
    webhook: { path, handle, ...(o.webhookSecret !== undefined && { secret: o.webhookSecret }) },
    http: o.http,
    port: o.port,
    host: o.host,
    log: o.log,
  });
}

/**
 * The app's HTTP server, for the app and for its registration page (`npm start` without APP_ID):
 * exact paths, bounded bodies and timeouts, one log line per request.
 */
export async function listen(o: ListenOptions): Promise<Serving> {
  const log = o.log.child({ component: 'http' });

  const route = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    refuseDeclaredOver(req, o.http.maxBodyBytes);
    if (o.webhook && path === o.webhook.path) {
      // Read here, within the limit; Probot's middleware takes a body already read from `rawBody`.
      if (req.method === 'POST') {
        const rawBody = await readBody(req, o.http.maxBodyBytes);
        if (o.webhook.secret !== undefined) refuseUnsigned(req, rawBody, o.webhook.secret, log);
        Object.assign(req, { body: {}, rawBody });
      }
      await o.webhook.handle(req, res);
      return;
    }
    for (const handler of o.handlers) if (await handler(req, res)) return;
    throw new AppError('not_found', `no route ${req.method} ${path}`);
  };

  const server = createServer(
    {
      headersTimeout: o.http.headersTimeoutMs,
      requestTimeout: o.http.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, o.http.headersTimeoutMs / 2),
    },
    (req, res) => {
      const started = Date.now();
      const path = exactPath(req.url);
      res.once('close', () => {
        const ms = Date.now() - started;
        const where = path ?? `(unexpected target ${JSON.stringify(req.url)})`;
        // Probes and scrapes are routine: a line each only at debug (a failing /readyz says so
        // itself, once per change).
        const level = path && ROUTINE.has(path) ? 'debug' : 'info';
        log[level]({ status: res.statusCode, ms }, `${req.method} ${where} ${res.statusCode} - ${ms}ms`);
      });
      const routed = path
        ? route(req, res, path)
        : Promise.reject(new AppError('not_found', 'no route for this path'));
      routed.catch((err: unknown) => {
        if (errorBody(err).status >= 500) log.error({ err, path }, 'request failed');
        sendError(req, res, err);
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: o.port, host: o.host }, resolve);
  });
  const { address, port, family } = server.address() as AddressInfo;
  const url = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  o.log.info(`Listening on ${url}`);
  return {
    url,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
