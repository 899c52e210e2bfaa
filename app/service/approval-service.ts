import { randomBytes } from 'node:crypto';
import type { CreateRequestBody, RequestView } from '../api/contract.ts';
import { encryptForStep } from '../crypto/jwe.ts';
import { seal, tokenHash, unseal } from '../crypto/seal.ts';
import { AppError } from '../errors.ts';
import { checkRunView } from '../github/check-run-view.ts';
import type { GitHubPort } from '../github/port.ts';
import type { Metrics } from '../metrics.ts';
import type { Decision } from '../policy/decision.ts';
import { formatDuration } from '../policy/duration.ts';
import { formatPolicyError } from '../policy/errors.ts';
import { evaluate } from '../policy/evaluate.ts';
import type { LoadResult } from '../policy/load.ts';
import type { RunClaims, Store, StoredRequest, RequestStatus } from '../store/types.ts';
import { KeyedLock } from './locks.ts';
import { pullNumber, toApprovalRequest } from './request-input.ts';
import type { Waiters } from './waiters.ts';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ServiceDeps {
  store: Store;
  github: GitHubPort;
  waiters: Waiters;
  metrics: Metrics;
  log: Logger;
  /** Key for tokens at rest. */
  sealKey: Buffer;
  now: () => number;
  /** Where run links point, e.g. https://github.com. */
  serverUrl: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The decision for a repository whose policy files do not load: denied, citing the errors. */
export function failClosed(result: Extract<LoadResult, { ok: false }>): Decision {
  const shown = result.errors.slice(0, 5).map((e) => formatPolicyError(e).replace('\n', ';'));
  const more = result.errors.length > 5 ? ` (and ${result.errors.length - 5} more)` : '';
  return {
    outcome: 'denied',
    auto: true,
    policies: [],
    reasons: [
      {
        rule: 'no_policy',
        message: `the policy files on the default branch are invalid, so every request is denied: ${shown.join(' | ')}${more}`,
      },
    ],
    requirements: [],
    token: null,
    timeout_seconds: null,
  };
}

/** Requests from steps, their decisions, tokens and check runs. Every change is audited. */
export class ApprovalService {
  readonly deps: ServiceDeps;
  readonly locks: KeyedLock;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
    this.locks = new KeyedLock(deps.store.exclusive?.bind(deps.store));
  }

  async decide(
    r: Pick<StoredRequest, 'claims' | 'action' | 'reason' | 'requestedPermissions' | 'installationId'>,
    votes: { user: string; decision: 'approve' | 'deny' }[],
    membership: Record<string, string[]>,
  ): Promise<{ decision: Decision; policies: LoadResult }> {
    const [owner, repo] = r.claims.repository.split('/') as [string, string];
    const policies = await this.deps.github.loadPolicies(r.installationId, owner, repo);
    if (!policies.ok) return { decision: failClosed(policies), policies };
    return {
      decision: evaluate(policies.policies, toApprovalRequest(r), votes, membership, this.deps.now()),
      policies,
    };
  }

  async create(claims: RunClaims, body: CreateRequestBody): Promise<StoredRequest> {
    const { store, github, now } = this.deps;
    const key = `${claims.repository_id}:${claims.run_id}:${claims.run_attempt}:${body.job}:${body.action}`;
    const [owner, repo] = claims.repository.split('/') as [string, string];
    const installationId = await github.installationFor(owner, repo);
    const base = {
      claims,
      action: body.action,
      reason: body.reason ?? null,
      requestedPermissions: body.permissions ?? null,
      installationId,
    };
    const { decision, policies } = await this.decide(base, [], {});
    const pr = pullNumber(claims);
    const headSha =
      pr === undefined ? claims.sha : await github.pullRequestHead(installationId, owner, repo, pr);
    const createdAt = now();
    // An approval is stored once its token exists: a reader never sees approved-without-token.
    const status: RequestStatus = decision.outcome === 'approved' ? 'pending' : decision.outcome;
    const { request, created } = await store.createRequest({
      ...base,
      id: `req_${randomBytes(12).toString('hex')}`,
      key,
      job: body.job,
      publicKey: body.public_key,
      headSha,
      status,
      decision,
      checkRunId: null,
      createdAt,
      expiresAt: createdAt + (decision.timeout_seconds ?? 3600) * 1000,
      decidedAt: status === 'denied' ? createdAt : null,
      token: null,
      ignoredVotes: [],
      version: 0,
    });
    if (!created) {
      // An idempotent retry: the same request, and its check run if the first try did not make one.
      return request.checkRunId === null
        ? this.locks.run(request.id, () => this.#ensureCheckRun(request.id))
        : request;
    }
    return this.locks.run(request.id, async () => {
      if (!policies.ok)
        await this.audit('policy_error', request.id, {
          repository: claims.repository,
          errors: policies.errors,
        });
      await this.audit('request', request.id, {
        repository: claims.repository,
        repository_id: claims.repository_id,
        run_id: claims.run_id,
        run_attempt: claims.run_attempt,
        job: body.job,
        action: body.action,
        actor: claims.actor,
        ref: claims.ref,
        sha: claims.sha,
        reason: body.reason ?? null,
      });
      this.deps.metrics.count('jit_requests_total', 'Requests by first outcome.', {
        outcome: decision.outcome,
      });
      if (decision.outcome === 'approved') await this.finalize(request, 'approved', decision);
      else if (decision.outcome === 'denied') await this.#record(request);
      return this.#ensureCheckRun(request.id);
    });
  }

  async #ensureCheckRun(id: string): Promise<StoredRequest> {
    const r = (await this.deps.store.getRequest(id))!;
    if (r.checkRunId !== null) return r;
    const [owner, repo] = r.claims.repository.split('/') as [string, string];
    const votes = await this.deps.store.votes(r.id);
    r.checkRunId = await this.deps.github.createCheckRun(
      r.installationId,
      owner,
      repo,
      r.headSha,
      checkRunView(r, votes, this.deps.serverUrl),
    );
    await this.#save(r);
    return r;
  }

  async #save(r: StoredRequest): Promise<void> {
    if (!(await this.deps.store.saveRequest(r)))
      throw new AppError('conflict', `request ${r.id} was changed by another writer; try again`);
    this.deps.waiters.notify(r.id);
  }

  async audit(type: string, requestId: string | null, data: Record<string, unknown>): Promise<void> {
    await this.deps.store.appendAudit(type, requestId, data, this.deps.now());
  }

  /** What follows a final decision: the audit records and the metrics. */
  async #record(r: StoredRequest): Promise<void> {
    const votes = await this.deps.store.votes(r.id);
    await this.audit('decision', r.id, {
      status: r.status,
      auto: r.decision.auto,
      policies: r.decision.policies,
      approved_by: votes.filter((v) => v.decision === 'approve').map((v) => v.voterLogin),
      denied_by: votes.filter((v) => v.decision === 'deny').map((v) => v.voterLogin),
      reasons: r.decision.reasons.map((x) => x.message),
    });
    this.deps.metrics.observeDecision((this.deps.now() - r.createdAt) / 1000);
    this.deps.metrics.count('jit_decisions_total', 'Final decisions by outcome.', { outcome: r.status });
    if (r.token && r.status === 'approved') {
      this.deps.metrics.count('jit_tokens_minted_total', 'Installation tokens minted.');
      this.deps.log.info(
        { request: r.id, token_sha256: r.token.hash, permissions: r.token.permissions },
        'token granted',
      );
      await this.audit('token_granted', r.id, {
        token_sha256: r.token.hash,
        permissions: r.token.permissions,
        revoke_at: iso(r.token.revokeAt),
      });
    }
  }

  /** Mints the granted token into `r.token` (not yet saved); returns the token to revoke on failure. */
  async #mint(r: StoredRequest): Promise<string> {
    const grant = r.decision.token!;
    const minted = await this.deps.github.mintToken(
      r.installationId,
      Number(r.claims.repository_id),
      grant.permissions,
    );
    r.token = {
      hash: tokenHash(minted.token),
      sealed: seal(minted.token, this.deps.sealKey),
      permissions: grant.permissions,
      expiresAt: minted.expiresAt,
      revokeAt: Math.min(minted.expiresAt, this.deps.now() + grant.ttl_seconds * 1000),
      revokedAt: null,
      jwe: await encryptForStep(minted.token, r.publicKey),
    };
    return minted.token;
  }

  /** Ends a pending request with a final status, and shows it on the check run. */
  async finalize(
    r: StoredRequest,
    status: Exclude<RequestStatus, 'pending'>,
    decision: Decision,
  ): Promise<void> {
    r.status = status;
    r.decision = decision;
    r.decidedAt = this.deps.now();
    const token = status === 'approved' && decision.token ? await this.#mint(r) : undefined;
    try {
      await this.#save(r);
    } catch (err) {
      if (token) await this.deps.github.revokeToken(token); // never leave a token nobody will revoke
      throw err;
    }
    await this.#record(r);
    await this.refreshCheckRun(r);
  }

  async refreshCheckRun(r: StoredRequest): Promise<void> {
    if (r.checkRunId === null) return;
    const [owner, repo] = r.claims.repository.split('/') as [string, string];
    const votes = await this.deps.store.votes(r.id);
    await this.deps.github.updateCheckRun(
      r.installationId,
      owner,
      repo,
      r.checkRunId,
      checkRunView(r, votes, this.deps.serverUrl),
    );
  }

  /** The request, for the run that made it only. */
  async get(id: string, claims: RunClaims): Promise<StoredRequest> {
    const r = await this.deps.store.getRequest(id);
    if (!r) throw new AppError('not_found', `no request ${id}`);
    const c = r.claims;
    if (
      c.repository_id !== claims.repository_id ||
      c.run_id !== claims.run_id ||
      c.run_attempt !== claims.run_attempt
    ) {
      throw new AppError('forbidden', `request ${id} belongs to another workflow run`);
    }
    return r;
  }

  /** Long-poll: answers when the request is decided, or after `seconds`. */
  async wait(id: string, claims: RunClaims, seconds: number, signal?: AbortSignal): Promise<StoredRequest> {
    const deadline = this.deps.now() + seconds * 1000;
    let r = await this.get(id, claims);
    while (r.status === 'pending' && this.deps.now() < deadline && !signal?.aborted) {
      await this.deps.waiters.wait(id, Math.max(0, deadline - this.deps.now()), signal);
      r = await this.get(id, claims);
    }
    return r;
  }

  async cancel(id: string, claims: RunClaims): Promise<StoredRequest> {
    await this.get(id, claims);
    return this.locks.run(id, async () => {
      const r = (await this.deps.store.getRequest(id))!;
      if (r.status === 'pending') {
        const reasons = [
          ...r.decision.reasons,
          { rule: 'governing' as const, message: 'the step was cancelled' },
        ];
        await this.finalize(r, 'cancelled', { ...r.decision, reasons });
      } else if (r.token && r.token.revokedAt === null) {
        await this.revoke(r, 'step_cancelled');
      }
      return r;
    });
  }

  async revoke(r: StoredRequest, why: string): Promise<void> {
    if (!r.token || r.token.revokedAt !== null) return;
    await this.deps.github.revokeToken(unseal(r.token.sealed, this.deps.sealKey));
    r.token.revokedAt = this.deps.now();
    await this.#save(r);
    this.deps.metrics.count('jit_tokens_revoked_total', 'Installation tokens revoked.', { why });
    this.deps.log.info({ request: r.id, token_sha256: r.token.hash, why }, 'token revoked');
    await this.audit('token_revoked', r.id, { token_sha256: r.token.hash, why });
  }

  /** Ends an overdue pending request as timed out. The caller holds the request's lock. */
  async timeOut(r: StoredRequest): Promise<void> {
    const timeout = formatDuration(Math.round((r.expiresAt - r.createdAt) / 1000));
    const reasons = [
      ...r.decision.reasons,
      { rule: 'governing' as const, message: `no decision within the timeout (${timeout})` },
    ];
    await this.finalize(r, 'timed_out', { ...r.decision, outcome: 'denied', reasons });
  }

  /** Times out overdue requests and revokes tokens past their TTL. Runs at start and on a timer. */
  async sweep(): Promise<void> {
    const now = this.deps.now();
    // Another instance may sweep the same request: its save wins and this one steps aside.
    const once = (work: Promise<void>): Promise<void> =>
      work.catch((err: unknown) => {
        if (!(err instanceof AppError && err.code === 'conflict')) throw err;
      });
    for (const p of await this.deps.store.pendingRequests(now)) {
      await once(
        this.locks.run(p.id, async () => {
          const r = (await this.deps.store.getRequest(p.id))!;
          if (r.status === 'pending') await this.timeOut(r);
        }),
      );
    }
    for (const t of await this.deps.store.unrevokedTokens(now)) {
      await once(
        this.locks.run(t.id, async () => this.revoke((await this.deps.store.getRequest(t.id))!, 'ttl')),
      );
    }
  }

  /** A job of the run finished: revoke the tokens of its requests, cancel its open ones. */
  async jobCompleted(repositoryId: string, runId: string, runAttempt: string, job: string): Promise<void> {
    for (const found of await this.deps.store.requestsForRun(repositoryId, runId, runAttempt)) {
      if (found.job !== job) continue;
      await this.locks.run(found.id, async () => {
        const r = (await this.deps.store.getRequest(found.id))!;
        if (r.status === 'pending') {
          const reasons = [
            ...r.decision.reasons,
            { rule: 'governing' as const, message: 'the job ended before a decision' },
          ];
          await this.finalize(r, 'cancelled', { ...r.decision, reasons });
        }
        await this.revoke(r, 'job_completed');
      });
    }
  }

  view(r: StoredRequest): RequestView {
    const c = r.claims;
    const usable = r.status === 'approved' && r.token && r.token.revokedAt === null;
    return {
      id: r.id,
      status: r.status,
      action: r.action,
      repository: c.repository,
      run_id: c.run_id,
      run_attempt: c.run_attempt,
      job: r.job,
      decision: r.decision,
      check_run_url:
        r.checkRunId === null ? null : `${this.deps.serverUrl}/${c.repository}/runs/${r.checkRunId}`,
      approvers: r.decision.requirements
        .flatMap((q) => q.approved_by)
        .filter((v, i, a) => a.indexOf(v) === i),
      created_at: iso(r.createdAt),
      expires_at: iso(r.expiresAt),
      decided_at: r.decidedAt === null ? null : iso(r.decidedAt),
      token: usable
        ? { jwe: r.token!.jwe, expires_at: iso(r.token!.revokeAt), permissions: r.token!.permissions }
        : null,
    };
  }
}
