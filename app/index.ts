import type { ApplicationFunction, Probot } from 'probot';
import { createApiHandler } from './api/http-api.ts';
import { createOidcVerifier } from './api/oidc.ts';
import type { Config } from './config/read-config.ts';
import { auditKeys } from './audit/chain.ts';
import { sealKeys } from './crypto/seal.ts';
import { MandatoryOrgWatch } from './github/mandatory-orgs.ts';
import { OctokitGitHub } from './github/octokit-github.ts';
import { logOrgModes } from './github/org-modes.ts';
import type { GitHubPort } from './github/port.ts';
import { Metrics } from './metrics.ts';
import { declareCounters } from './metrics-catalogue.ts';
import { ChatDelivery } from './chat/deliver.ts';
import { ApprovalService } from './service/approval-service.ts';
import { Waiters } from './service/waiters.ts';
import { PgStore } from './store/pg-store.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import type { Store } from './store/types.ts';
import { UserAuth } from './web/github-user.ts';
import { signInKeys } from './web/sign-in-state.ts';
import { createWebHandler } from './web/web-handler.ts';
import { registerWebhooks } from './webhooks/register.ts';
import type { SharedPacing } from './github/octokit-class.ts';

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
  /** Overrides `config.serverUrl` (where run and check-run links point). */
  serverUrl?: string;
  fetch?: typeof fetch;
  /** How often due reminders are looked for, in ms (default 10 s). */
  remindEveryMs?: number;
  /** Waits between attempts to deliver a chat notification (tests shorten them). */
  notifyBackoffMs?: readonly number[];
  /** The Octokit class's write pacing: shared through the store when it can be (PostgreSQL). */
  writePacing?: SharedPacing;
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
    // During a key rotation the previous key still opens old tokens and checks old audit events.
    const previous = config.previousPrivateKey === undefined ? [] : [config.previousPrivateKey];
    const storeOptions = { auditKeys: auditKeys(config.privateKey, previous), now };
    const store: Store = config.databaseUrl
      ? await PgStore.open(config.databaseUrl, config.databaseSchema, { ...storeOptions, log: app.log })
      : new SqliteStore(config.dataDir, { ...storeOptions, log: app.log });
    const metrics = new Metrics();
    declareCounters(metrics, config.notifyTargets.keys());
    if (options.writePacing && store.reserveWrite) {
      options.writePacing.reserve = store.reserveWrite.bind(store);
      options.writePacing.onError = (err) =>
        app.log.warn(
          { err },
          'the shared write pacing could not be read; this instance paced the write alone',
        );
    }
    const mandatoryOrgs = new MandatoryOrgWatch(config.mandatoryOrgs);
    const github = new OctokitGitHub(app, config.githubApiUrl, metrics, {
      timeoutMs: config.githubTimeoutMs,
      notInstalledCacheMs: config.cache.notInstalledMs,
      membershipCacheMs: config.cache.membershipMs,
      policyMaxAgeMs: config.cache.policiesMs,
      now,
      mandatoryOrgs,
      appId: Number(config.appId),
    });
    metrics.gauge(
      'jit_org_policies_unreadable',
      'Owners whose organization policies are mandatory (MANDATORY_ORG_POLICIES) and could not be read when last read.',
      () => mandatoryOrgs.unreadable(),
    );
    // In the background: a slow GitHub delays neither the start nor the first request.
    void logOrgModes(github, mandatoryOrgs, app.log);
    const waiters = new Waiters();
    const chat = new ChatDelivery({
      targets: config.notifyTargets,
      fetch: options.fetch ?? fetch,
      metrics,
      log: app.log,
      now,
    });
    const service = new ApprovalService({
      store,
      github,
      waiters,
      metrics,
      log: app.log,
      now,
      sealKey: sealKeys(config.privateKey, previous),
      serverUrl: options.serverUrl ?? config.serverUrl,
      pageUrl: config.signIn ? config.publicUrl : undefined,
      requireJobId: config.requireJobId,
      chat,
      appId: Number(config.appId),
      ...(options.notifyBackoffMs && { chatBackoffMs: options.notifyBackoffMs }),
    });
    metrics.gauge('jit_long_polls', 'Long-polls currently held.', () => waiters.size);
    // Another instance decided: wake the long-polls this one holds (all of them after a gap).
    await store.subscribe?.(
      (id) => service.changedElsewhere(id),
      () => service.changedElsewhere(),
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
    addHandler(
      createApiHandler({
        service,
        verify,
        store,
        github,
        metrics,
        log: app.log,
        limits: config.limits,
        readyzCacheMs: config.cache.readyzMs,
        orgPolicyProblems: () => mandatoryOrgs.problems((i, owner) => github.readOrgPolicies(i, owner)),
        now,
      }),
    );
    addHandler(
      createWebHandler({
        service,
        store,
        github,
        now,
        log: app.log,
        metrics,
        auth:
          config.signIn &&
          new UserAuth({
            signIn: config.signIn,
            serverUrl: config.serverUrl,
            apiUrl: config.githubApiUrl,
            callbackUrl: `${config.publicUrl}/auth/callback`,
            timeoutMs: config.githubTimeoutMs,
            ...(options.fetch && { fetch: options.fetch }),
          }),
        sessionMs: config.signIn?.sessionMs ?? 0,
        signInKeys: signInKeys(config.privateKey, previous),
        publicUrl: config.publicUrl,
        serverUrl: options.serverUrl ?? config.serverUrl,
      }),
    );
    registerWebhooks(app, service, github, chat, { now, metrics });
    app.onError((err) => app.log.warn({ event: err.event?.name }, `webhook rejected: ${err.message}`));
    // One sweep at a time: a tick that finds the last sweep still at work (GitHub slow) is skipped.
    let sweeping = false;
    const sweep = (): void => {
      if (sweeping) return;
      sweeping = true;
      void service
        .sweep()
        .then(countPending, (err: unknown) => app.log.error({ err }, 'sweep failed'))
        .finally(() => (sweeping = false));
    };
    sweep();
    const timer = setInterval(sweep, options.sweepEveryMs ?? 1000);
    timer.unref();
    // Reminders are due at most once a minute per request: looking every 10 s is enough.
    const reminders = setInterval(
      () => void service.remind().catch((err: unknown) => app.log.error({ err }, 'reminders failed')),
      options.remindEveryMs ?? 10_000,
    );
    // Expired sign-ins and sessions are never read (the store checks expiry); this only frees room.
    const prune = setInterval(
      () =>
        void store.web.prune(now()).catch((err: unknown) => app.log.warn({ err }, 'pruning sessions failed')),
      60_000,
    );
    prune.unref();
    reminders.unref();
    onReady?.({
      service,
      store,
      github,
      metrics,
      close: async () => {
        clearInterval(timer);
        clearInterval(reminders);
        clearInterval(prune);
        await service.ignored.flushAll();
        service.worker.stop();
        // What is under way may finish for a moment; what is left is done after the restart.
        await Promise.race([
          service.worker.idle({ normalOnly: true }),
          new Promise((r) => setTimeout(r, 5_000).unref()),
        ]);
        await store.close();
      },
    });
  };
}
