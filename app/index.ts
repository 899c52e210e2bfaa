import type { ApplicationFunction, Probot } from 'probot';
import { createApiHandler } from './api/http-api.ts';
import { createOidcVerifier } from './api/oidc.ts';
import type { Config } from './config/read-config.ts';
import { sealKey } from './crypto/seal.ts';
import { OctokitGitHub } from './github/octokit-github.ts';
import type { GitHubPort } from './github/port.ts';
import { Metrics } from './metrics.ts';
import { ApprovalService } from './service/approval-service.ts';
import { Waiters } from './service/waiters.ts';
import { PgStore } from './store/pg-store.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import type { Store } from './store/types.ts';
import { registerWebhooks } from './webhooks/register.ts';

export interface Runtime {
  service: ApprovalService;
  store: Store;
  github: GitHubPort;
  metrics: Metrics;
  /** Stops the sweeper and closes the store. */
  close(): Promise<void>;
}

export interface AppOptions {
  now?: () => number;
  /** How often overdue requests and tokens are swept, in ms (default 1000). */
  sweepEveryMs?: number;
  serverUrl?: string;
  fetch?: typeof fetch;
}

/**
 * The composition root: builds the store, GitHub port, service, HTTP API and webhook handlers for
 * a Probot app. `onReady` receives the runtime (tests use it to reach the service and store).
 */
export function jitApprovals(
  config: Config,
  options: AppOptions = {},
  onReady?: (runtime: Runtime) => void,
): ApplicationFunction {
  return async (app: Probot, { addHandler }) => {
    const now = options.now ?? Date.now;
    const store: Store = config.databaseUrl
      ? await PgStore.open(config.databaseUrl, config.databaseSchema)
      : new SqliteStore(config.dataDir);
    const metrics = new Metrics();
    const github = new OctokitGitHub(app, config.githubApiUrl, metrics);
    const waiters = new Waiters();
    const service = new ApprovalService({
      store,
      github,
      waiters,
      metrics,
      log: app.log,
      now,
      sealKey: sealKey(config.privateKey),
      serverUrl: options.serverUrl ?? 'https://github.com',
    });
    metrics.gauge('jit_long_polls', 'Long-polls currently held.', () => waiters.size);
    // Another instance decided: wake the long-polls this one holds (all of them after a gap).
    await store.subscribe?.(
      (id) => waiters.notify(id),
      () => waiters.notifyAll(),
    );
    let pending = 0;
    const countPending = (): void =>
      void store.countPending().then(
        (n) => (pending = n),
        () => undefined,
      );
    metrics.gauge(
      'jit_pending_requests',
      'Requests waiting for a decision (as of the last sweep).',
      () => pending,
    );
    const verify = createOidcVerifier({
      issuer: config.oidcIssuer,
      jwksUrl: config.oidcJwksUrl,
      audience: config.publicUrl,
      ...(options.fetch && { fetch: options.fetch }),
    });
    addHandler(createApiHandler({ service, verify, store, github, metrics, log: app.log }));
    registerWebhooks(app, service, github);
    app.onError((err) => app.log.warn({ event: err.event?.name }, `webhook rejected: ${err.message}`));
    const sweep = (): void =>
      void service.sweep().then(countPending, (err: unknown) => app.log.error({ err }, 'sweep failed'));
    sweep();
    const timer = setInterval(sweep, options.sweepEveryMs ?? 1000);
    timer.unref();
    onReady?.({
      service,
      store,
      github,
      metrics,
      close: async () => {
        clearInterval(timer);
        await store.close();
      },
    });
  };
}
