// A local GitHub REST API on 127.0.0.1 whose every request and response is held to GitHub's
// published description. Violations are recorded for the test that caused them to fail on.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AppManifests } from './app-manifests.ts';
import { authenticate, covers, tokenHash } from './auth.ts';
import { Faults, type Fault } from './faults.ts';
import { UserAuth } from './oauth.ts';
import { DOCS, fail, type Reply, type RouteContext } from './route-kit.ts';
import { ROUTES } from './routes.ts';
import { RouteTable } from './routing.ts';
import { loadSpec } from './spec.ts';
import { Synthesizer } from './synthesize.ts';
import { SpecValidator } from './validation.ts';
import { World, type SimRepo } from './world.ts';

export interface Call {
  operation: string;
  method: string;
  path: string;
  status: number;
  /** SHA-256 of the credential, or `app` for an app JWT, or null. */
  credential: string | null;
  counted: boolean;
  /** performance.now() when the request arrived. */
  at: number;
  /** GitHub acted, and the answer was withheld (an injected `withhold`). */
  withheld?: boolean;
}

export interface Violation {
  operation: string;
  method: string;
  path: string;
  direction: 'request' | 'response' | 'route';
  problems: string[];
}

/** Extra HTTP handlers served beside the REST API: the OIDC issuer, github.com's OAuth web flow. */
export type SideHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

const RATE_LIMIT = 5_000;

export class GitHubSimulator {
  readonly world = new World();
  readonly calls: Call[] = [];
  readonly violations: Violation[] = [];
  readonly faults = new Faults();
  readonly sideHandlers: SideHandler[] = [];
  /** github.com's user authorization flow (`/login/oauth/*`), served by every simulator. */
  readonly userAuth: UserAuth;
  /** The clock the simulator stamps and checks expiry with; tests may move it. */
  now: () => Date = () => new Date();
  readonly routes: RouteTable;
  readonly validator: SpecValidator;
  readonly #synth: Synthesizer;
  readonly #used = new Map<string, number>();
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #url = '';

  constructor() {
    const spec = loadSpec();
    this.routes = new RouteTable(spec);
    this.validator = new SpecValidator(spec);
    this.#synth = new Synthesizer(
      spec,
      () => this.#url,
      () => this.now(),
    );
    this.userAuth = new UserAuth(this);
    new AppManifests(this); // registering an app from a manifest: GitHub's page (a side handler)
  }

  get url(): string {
    return this.#url;
  }

  async start(port = 0): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#url;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** Calls per operation, e.g. `{ 'checks/create': 1 }`. */
  callsByOperation(filter: (c: Call) => boolean = () => true): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.calls.filter(filter)) out[c.operation] = (out[c.operation] ?? 0) + 1;
    return out;
  }

  /** Throws when anything was sent or answered outside GitHub's description; then forgets them. */
  assertNoViolations(): void {
    const found = this.violations.splice(0);
    if (found.length > 0) {
      throw new Error(
        `GitHub API description violations:\n${found.map((v) => `- ${v.direction} ${v.method} ${v.path} (${v.operation}): ${v.problems.join('; ')}`).join('\n')}`,
      );
    }
  }

  /** Resolves with the next call of `operation` (already answered), however long it takes to come. */
  nextCall(operation: string): Promise<Call> {
    return new Promise((resolve) => this.#callWaiters.push({ operation, resolve }));
  }

  readonly #callWaiters: { operation: string; resolve: (c: Call) => void }[] = [];

  /**
   * Resolves when the next call of `operation` arrives that an injected `hang` leaves unanswered,
   * or that an injected `withhold` has acted on and leaves unanswered.
   */
  nextHang(operation: string): Promise<void> {
    return new Promise((resolve) => this.#hangWaiters.push({ operation, resolve }));
  }

  readonly #hangWaiters: { operation: string; resolve: () => void }[] = [];

  inject(operation: string, fault: Fault, times = 1): void {
    this.faults.add(operation, fault, times);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // GitHub Enterprise Server serves the REST API under /api/v3 (GHE_HOST): the same API.
    if (url.pathname.startsWith('/api/v3/')) url.pathname = url.pathname.slice('/api/v3'.length);
    for (const side of this.sideHandlers) if (await side(req, res, url)) return;
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const send = (reply: Reply, op: string, credential: string | null, counted: boolean): void => {
      this.calls.push({
        operation: op,
        method,
        path: url.pathname,
        status: reply.status,
        credential,
        counted,
        at: arrived,
      });
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      if (credential && counted) this.#used.set(credential, (this.#used.get(credential) ?? 0) + 1);
      const used = credential ? (this.#used.get(credential) ?? 0) : 0;
      Object.assign(
        headers,
        {
          'x-ratelimit-limit': String(RATE_LIMIT),
          'x-ratelimit-remaining': String(Math.max(0, RATE_LIMIT - used)),
          'x-ratelimit-used': String(used),
          'x-ratelimit-reset': String(Math.floor(this.now().getTime() / 1000) + 3600),
          'x-ratelimit-resource': 'core',
          'x-github-api-version-selected': '2022-11-28',
        },
        reply.headers,
      );
      res.writeHead(reply.status, headers);
      res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
      const call = this.calls.at(-1)!;
      for (const w of this.#callWaiters.filter((x) => x.operation === op)) {
        this.#callWaiters.splice(this.#callWaiters.indexOf(w), 1);
        w.resolve(call);
      }
    };

    const match = this.routes.match(method, url.pathname);
    if (!match) {
      const known = this.routes.isGitHubRoute(url.pathname);
      this.violations.push({
        operation: '?',
        method,
        path: url.pathname,
        direction: 'route',
        problems: [
          known ? 'GitHub has this route but the simulator does not serve it' : 'GitHub has no such route',
        ],
      });
      return send(fail(404, 'Not Found'), '?', null, false);
    }
    const { op, params } = match;
    const credential = /^(?:bearer|token)\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const credentialId = credential
      ? credential.split('.').length === 3
        ? 'app'
        : tokenHash(credential)
      : null;

    const fault = this.faults.take(op.id);
    const hung = (): void => {
      // Never answers; stop() closes the socket.
      for (const w of this.#hangWaiters.filter((x) => x.operation === op.id)) {
        this.#hangWaiters.splice(this.#hangWaiters.indexOf(w), 1);
        w.resolve();
      }
    };
    if (fault === 'hang') return hung();
    if (fault && fault !== 'withhold') return send(fault, op.id, credentialId, true);

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        this.violations.push({
          operation: op.id,
          method,
          path: url.pathname,
          direction: 'request',
          problems: ['body is not JSON'],
        });
        return send(fail(400, 'Problems parsing JSON'), op.id, credentialId, true);
      }
    }
    const route = ROUTES[op.id];
    const caller = await authenticate(
      this.world,
      req.headers.authorization,
      typeof route.auth === 'string' ? route.auth : 'installation',
      this.now().getTime(),
    );
    if (caller.kind === 'error') return send(fail(caller.status, caller.message), op.id, credentialId, true);

    const problems = this.validator.request(op, params, url.searchParams, body);
    if (problems.length > 0) {
      this.violations.push({ operation: op.id, method, path: url.pathname, direction: 'request', problems });
      return send(fail(422, 'Invalid request.', { errors: problems }), op.id, credentialId, true);
    }

    let repo: SimRepo | undefined;
    if (typeof route.auth === 'object' && caller.kind === 'installation') {
      const { token } = caller;
      const installation = this.world.installations.get(token.installationId)!;
      if (route.auth.scope === 'repo') {
        repo = this.world.repo(`${params.owner}/${params.repo}`);
        const inScope =
          repo &&
          (token.repositories === 'all'
            ? repo.owner.toLowerCase() === installation.account.toLowerCase()
            : token.repositories.includes(repo.id));
        if (!repo || !inScope) return send(fail(404, 'Not Found'), op.id, credentialId, true);
      }
      if (route.auth.scope === 'org' && params.org?.toLowerCase() !== installation.account.toLowerCase()) {
        return send(fail(404, 'Not Found'), op.id, credentialId, true);
      }
      if (
        route.auth.scope !== 'token' &&
        !covers(token.permissions, route.auth.permission, route.auth.level)
      ) {
        return send(fail(403, 'Resource not accessible by integration'), op.id, credentialId, true);
      }
    }
    const ctx: RouteContext = {
      world: this.world,
      synth: this.#synth,
      baseUrl: this.#url,
      params,
      query: url.searchParams,
      body: (body ?? {}) as Record<string, unknown>,
      headers: req.headers,
      token: caller.kind === 'installation' ? caller.token : undefined,
      userToken: caller.kind === 'user' ? caller.token : undefined,
      repo: repo!,
      now: this.now(),
    };
    let reply: Reply;
    try {
      reply = await route.handle(ctx);
    } catch (err) {
      reply = {
        status: 500,
        body: { message: `simulator error: ${(err as Error).message}`, documentation_url: DOCS },
      };
      this.violations.push({
        operation: op.id,
        method,
        path: url.pathname,
        direction: 'response',
        problems: [(err as Error).stack ?? String(err)],
      });
    }
    const responseProblems =
      reply.status === 304 ? [] : this.validator.response(op, reply.status, reply.body);
    if (responseProblems.length > 0) {
      this.violations.push({
        operation: op.id,
        method,
        path: url.pathname,
        direction: 'response',
        problems: responseProblems,
      });
    }
    if (fault === 'withhold') {
      // GitHub did it; the answer never comes.
      this.calls.push({
        operation: op.id,
        method,
        path: url.pathname,
        status: reply.status,
        credential: credentialId,
        counted: true,
        at: arrived,
        withheld: true,
      });
      return hung();
    }
    send(reply, op.id, credentialId, reply.status !== 304);
  }
}
