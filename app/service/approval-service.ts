import { legBySecret } from '../domain/leg.ts';
import { breakGlassEvent, brokeGlass } from '../domain/break-glass.ts';
import { openReview } from './break-glass.ts';
import type { CreateRequestBody, RequestView } from '../domain/step-contract.ts';
import { auditWitness } from '../audit/witness.ts';
import type { KeyRing } from '../crypto/keys.ts';
import { AppError } from '../errors.ts';
import { checkRunView } from '../notify/check-run-view.ts';
import type { CheckRunInput, GitHubPort } from '../github/port.ts';
import type { Metrics } from '../metrics.ts';
import type { ChatDelivery } from '../chat/deliver.ts';
import { updateNotice } from '../notify/notifier.ts';
import type { Decision } from '../policy/decision.ts';
import { formatDuration } from '../policy/duration.ts';
import { evaluate } from '../policy/evaluate.ts';
import type { LoadResult } from '../policy/load.ts';
import { actorsOf, type Membership, type Vote } from '../policy/request.ts';
import { ownerOf, type RunClaims } from '../domain/claims.ts';
import type { Leg } from '../domain/leg.ts';
import type { Store } from '../store/types.ts';
import type { StoredRequest, RequestStatus } from '../domain/request.ts';
import type { StoredVote } from '../domain/vote.ts';
import type { Terms } from '../domain/terms.ts';
import { createRequest } from './create.ts';
import { endLegs } from './ends.ts';
import { failClosed } from './fail-closed.ts';
import { CheckRunSends, markChanged, showCheckRun } from './check-run-sync.ts';
import { answerNow, gateRequested, type GateEvent } from './gate.ts';
import { grantLegs } from './grant.ts';
import { IgnoredClicks } from './click-screen.ts';
import { KeyedLock } from './locks.ts';
import { ReplyBudget } from './reply-budget.ts';
import { toApprovalRequest } from '../domain/request.ts';
import { stepView } from '../domain/step-view.ts';
import { sweep } from './sweep.ts';
import { bindToTerms } from '../domain/terms.ts';
import type { Hangup, Waiters } from './waiters.ts';
import type { Logger } from '../logging/logger.ts';

export interface ServiceDeps {
  store: Store;
  github: GitHubPort;
  waiters: Waiters;
  metrics: Metrics;
  log: Logger;
  /** Keys for tokens at rest (the current one seals; a previous one still opens, during a rotation). */
  sealKey: KeyRing;
  now: () => number;
  /** Where run links point, e.g. https://github.com. */
  serverUrl: string;
  /**
   * The approval page's base URL (PUBLIC_URL) when sign-in is configured: the check run, the
   * notifications and the step link to `<pageUrl>/requests/<id>`.
   */
  pageUrl?: string | undefined;
  /** Refuse steps that send no job id (`REQUIRE_JOB_ID`, default true). */
  requireJobId: boolean;
  /** Chat and webhook targets (NOTIFY_TARGETS). */
  chat: ChatDelivery;
  /** This app's id: a click on another app's check run is not a vote. */
  appId: number;
}

/** What names a run attempt in a step's verified claims. */
export type RunIdentity = Pick<RunClaims, 'repository_id' | 'run_id' | 'run_attempt'>;

/** A request and the step (leg) that asks about it. */
export interface StepRef {
  request: StoredRequest;
  leg: Leg;
}

/** How long a decision's check run and comments wait at most for the steps it resumes. */
const STEPS_FIRST_MS = 2_000;

/** Requests from steps, their decisions, tokens and check runs. Every change is audited. */
export class ApprovalService {
  readonly deps: ServiceDeps;
  readonly locks: KeyedLock;
  /** Clicks that cannot count, shown on check runs together. */
  readonly ignored: IgnoredClicks = new IgnoredClicks(this);
  /** Answers to comment commands that changed nothing, bounded per sender. */
  readonly replies: ReplyBudget;
  readonly #afterwards = new Map<string, Promise<void>>();
  /** Reads shared by the steps one notification woke (`#readAfter`). */
  readonly #reads = new Map<string, { notification: number; read: Promise<StoredRequest | undefined> }>();
  /** Steps whose token another step's lock section minted with its own, not yet answered. */
  readonly #handed = new Map<string, Map<string, StepRef>>();
  /** Check-run updates shared by a burst of changes (legs joining). */
  readonly checkRunSends: CheckRunSends = new CheckRunSends(this);

  constructor(deps: ServiceDeps) {
    this.deps = deps;
    this.replies = new ReplyBudget(deps.now);
    this.locks = new KeyedLock(deps.store.exclusive?.bind(deps.store));
  }

  /**
   * Decides under today's policies, held to the terms the request showed when it was first shown
   * (`terms`: a policy change may narrow them, never widen them).
   */
  async judge(
    r: Pick<
      StoredRequest,
      'claims' | 'action' | 'reason' | 'requestedPermissions' | 'installationId' | 'terms' | 'emergency'
    > & { createdAt?: number },
    votes: Vote[],
    membership: Membership,
  ): Promise<{ decision: Decision; terms: Terms | null; policies: LoadResult }> {
    const [owner, repo] = r.claims.repository.split('/') as [string, string];
    const policies = await this.deps.github.loadPolicies(r.installationId, owner, repo, ownerOf(r.claims).id);
    if (!policies.ok) return { decision: failClosed(policies), terms: r.terms, policies };
    const waited =
      r.createdAt === undefined ? 0 : Math.max(0, Math.floor((this.deps.now() - r.createdAt) / 1000));
    const request = { ...toApprovalRequest(r), waited_seconds: waited };
    const now = evaluate(policies.policies, request, votes, membership, this.deps.now());
    return { ...bindToTerms(r.terms, now, votes, membership, actorsOf(request), waited), policies };
  }

  /** `ofRun`: the run attempt's requests, when the caller has just read them (not read again). */
  create(claims: RunClaims, body: CreateRequestBody, ofRun?: StoredRequest[]): Promise<StepRef> {
    return createRequest(this, claims, body, ofRun);
  }

  /** A job waits on an environment guarded by this app (a deployment protection rule). */
  gate(e: GateEvent): Promise<void> {
    return gateRequested(this, e);
  }

  /** The check run of a request, made if the request has none yet. The caller holds its lock. */
  async ensureCheckRun(id: string): Promise<StoredRequest> {
    const r = (await this.deps.store.getRequest(id))!;
    if (r.checkRunId !== null) return r;
    const [owner, repo] = r.claims.repository.split('/') as [string, string];
    const made = await this.deps.github.createCheckRun(
      r.installationId,
      owner,
      repo,
      r.headSha,
      await this.checkRun(r),
    );
    r.checkRunId = made.id;
    r.shownAt = made.startedAt;
    await this.save(r);
    return r;
  }

  /**
   * Writes the request (optimistically: `conflict` when another writer won) with the audit events
   * that record the change, in one transaction, and wakes its waiters.
   */
  async save(r: StoredRequest, audit: { type: string; data: Record<string, unknown> }[] = []): Promise<void> {
    const at = this.deps.now();
    if (
      !(await this.deps.store.saveRequest(
        r,
        audit.map((e) => ({ ...e, at })),
      ))
    )
      throw new AppError('conflict', `request ${r.id} was changed by another writer; try again`);
    this.#handed.delete(r.id); // answers read before this change are not given out
    this.deps.waiters.notify(r.id);
  }

  /**
   * Another instance saved request `id` (every request, when such news may have been lost): the
   * steps waiting here read it again, and nothing read before it is handed out.
   */
  changedElsewhere(id?: string): void {
    if (id === undefined) {
      this.#handed.clear();
      return this.deps.waiters.notifyAll();
    }
    this.#handed.delete(id);
    this.deps.waiters.notify(id);
  }

  async audit(type: string, requestId: string | null, data: Record<string, unknown>): Promise<void> {
    await this.deps.store.appendAudit(type, requestId, data, this.deps.now());
  }

  /** The audit event of a final decision. */
  async decisionEvent(r: StoredRequest): Promise<{ type: string; data: Record<string, unknown> }> {
    const votes = await this.deps.store.votes(r.id);
    return {
      type: 'decision',
      data: {
        status: r.status,
        auto: r.decision.auto,
        policies: r.decision.policies,
        approved_by: votes.filter((v) => v.decision === 'approve').map((v) => v.voterLogin),
        denied_by: votes.filter((v) => v.decision === 'deny').map((v) => v.voterLogin),
        reasons: r.decision.reasons.map((x) => x.message),
      },
    };
  }

  /** The metrics of a final decision, once it is stored. */
  counted(r: StoredRequest): void {
    this.deps.metrics.observeDecision((this.deps.now() - r.createdAt) / 1000);
    this.deps.metrics.count('jit_decisions_total', 'Final decisions by outcome.', { outcome: r.status });
  }

  /**
   * Ends a pending request with a final status and shows it on the check run. Tokens are minted
   * afterwards, one per leg, when each step asks (`grantLeg`). With `stepsFirst` (a vote decides,
   * holding the request's lock), an approval that steps here are waiting for leaves what can wait
   * (the check run, comments, the gate's answer, the review issue) until they have their tokens
   * (`afterwards`): between the deciding vote and the step's token, the mint is the one GitHub call.
   */
  async finalize(
    r: StoredRequest,
    status: Exclude<RequestStatus, 'pending'>,
    decision: Decision,
    opts: { stepsFirst?: boolean } = {},
  ): Promise<void> {
    r.status = status;
    r.decision = decision;
    r.decidedAt = this.deps.now();
    markChanged(r, this.deps.now());
    const glass = brokeGlass(r);
    const votes = glass ? await this.deps.store.votes(r.id) : [];
    if (glass) r.breakGlassIssue = null; // the review issue is due: opened below, or by the sweep
    await this.save(r, [await this.decisionEvent(r), ...(glass ? [breakGlassEvent(r, votes)] : [])]);
    this.counted(r);
    if (glass) {
      this.deps.metrics.count('jit_break_glass_total', 'Requests approved through a break-glass override.');
      this.deps.log.warn(
        { request: r.id, policies: decision.break_glass!.policies },
        'BREAK-GLASS override granted',
      );
    }
    // The decision's id is its audit event: the line that names it joins the log to the audit.
    const event = await this.deps.store.lastAuditEvent(r.id).catch(() => undefined);
    this.deps.log.info(
      { request: r.id, status, policies: decision.policies, decision: event?.seq ?? null },
      'decided',
    );
    const { waiters, store, log } = this.deps;
    if (opts.stepsFirst && status === 'approved' && decision.token && waiters.answeringCount(r.id) > 0) {
      const later: Promise<void> = waiters
        .answered(r.id, STEPS_FIRST_MS)
        .then(() => this.locks.run(r.id, async () => this.#shown((await store.getRequest(r.id))!)))
        .catch((err: unknown) => log.error({ err, request: r.id }, 'showing a decision failed'))
        .finally(() => {
          if (this.#afterwards.get(r.id) === later) this.#afterwards.delete(r.id);
        });
      this.#afterwards.set(r.id, later); // the sweep leaves its check run to it meanwhile
      return;
    }
    await this.#shown(r);
  }

  /** A decision's GitHub side: the review issue of a break-glass, the check run, comments, the gate. */
  async #shown(r: StoredRequest): Promise<void> {
    if (brokeGlass(r) && r.breakGlassIssue === null) await openReview(this, r);
    await showCheckRun(this, r);
    await updateNotice(this, r);
    await answerNow(this, r);
  }

  /** Whether a decision of request `id` is waiting for its steps before showing itself (`finalize`). */
  deferring(id: string): boolean {
    return this.#afterwards.has(id);
  }

  /** What a decision left until its waiting steps had their tokens (see `finalize`); once done. */
  async afterwards(id: string): Promise<void> {
    await this.#afterwards.get(id);
  }

  /**
   * Saves a change reviewers see (with its audit events), then shows it on the check run. The
   * check run is marked behind in the same save: if GitHub fails the update, or the app stops
   * before making it, the sweep sends it. With `shared`, the update is left to `checkRunSends`
   * (sent once the lock is free, shared with changes saved meanwhile): await the promise returned
   * after releasing the lock, never under it.
   */
  async saveShown(
    r: StoredRequest,
    audit: { type: string; data: Record<string, unknown> }[] = [],
    opts: { shared?: boolean } = {},
  ): Promise<{ shown: Promise<void> }> {
    markChanged(r, this.deps.now());
    await this.save(r, audit);
    if (opts.shared) return { shown: this.checkRunSends.after(r.id) };
    await showCheckRun(this, r);
    return { shown: Promise.resolve() };
  }

  /**
   * The request's check run; a decided one shows the witness of the audit chain after its last
   * event (saved before this is called), kept outside the database.
   */
  async checkRun(r: StoredRequest): Promise<CheckRunInput> {
    const votes = await this.deps.store.votes(r.id);
    const witness = r.status === 'pending' ? undefined : await auditWitness(this.deps.store, r.id);
    return checkRunView(r, votes, this.deps.serverUrl, witness, this.deps.pageUrl);
  }

  /** The request and the asking step's leg: for the run that made it, and the step holding its secret. */
  async get(id: string, claims: RunIdentity, secret: string | undefined): Promise<StepRef> {
    return this.#stepOf(await this.deps.store.getRequest(id), id, claims, secret);
  }

  #stepOf(
    r: StoredRequest | undefined,
    id: string,
    claims: RunIdentity,
    secret: string | undefined,
  ): StepRef {
    if (!r) throw new AppError('not_found', `no request ${id}`);
    const c = r.claims;
    if (
      c.repository_id !== claims.repository_id ||
      c.run_id !== claims.run_id ||
      c.run_attempt !== claims.run_attempt
    ) {
      throw new AppError('forbidden', `request ${id} belongs to another workflow run`);
    }
    if (!secret)
      throw new AppError(
        'unauthenticated',
        'send the step secret whose SHA-256 the request was made with, in the x-jit-step-secret header',
      );
    const leg = legBySecret(r, secret);
    if (!leg) throw new AppError('forbidden', `request ${id} belongs to another step of this run`);
    return { request: r, leg };
  }

  /**
   * Request `id` read after notification `notification`, once for all the steps it woke (a matrix
   * of jobs waiting on one request): they only read it.
   */
  #readAfter(id: string, notification: number): Promise<StoredRequest | undefined> {
    const shared = this.#reads.get(id);
    if (shared?.notification === notification) return shared.read;
    const read = this.deps.store.getRequest(id);
    this.#reads.set(id, { notification, read });
    const forget = (): void => {
      if (this.#reads.get(id)?.read === read) this.#reads.delete(id);
    };
    read.then(forget, forget);
    return read;
  }

  /**
   * Long-poll: answers when the request is decided, or after `seconds`. An approved step's token is
   * minted here, when it asks for it. `since`: the version of the step's last answer (a change made
   * since then answers at once); without it, the request as this poll first reads it. `authenticated`
   * is called once the step is known to be one of the request's (its run, its secret).
   */
  async wait(
    id: string,
    run: RunIdentity,
    secret: string | undefined,
    seconds: number,
    signal?: Hangup,
    since?: number,
    authenticated?: (leg: Leg) => void,
  ): Promise<StepRef> {
    const deadline = this.deps.now() + seconds * 1000;
    const { waiters } = this.deps;
    // A change notified while this poll reads (nothing waiting to be woken then) is not lost.
    const watch = waiters.watch(id);
    try {
      let heard = watch.last();
      // Nor a copy of the request while it waits: a held poll costs little more than its socket.
      let ref: StepRef | null = await this.get(id, run, secret);
      // Only a step of the request (its run, its secret) counts as one being answered (`Waiters.answering`).
      authenticated?.(ref.leg);
      // Answers on any change (a vote, an ignored click, the check run, the decision), so the step
      // can print each one as it happens; an unchanged request keeps the poll until the deadline.
      const seen = since ?? ref.request.version;
      while (
        ref.request.status === 'pending' &&
        ref.request.version === seen &&
        this.deps.now() < deadline &&
        !signal?.aborted
      ) {
        ref = null;
        const missed = watch.last() > heard ? watch.last() : 0;
        const notification =
          missed || (await waiters.wait(id, Math.max(0, deadline - this.deps.now()), signal));
        if (notification) heard = notification;
        ref = notification
          ? this.#stepOf(await this.#readAfter(id, notification), id, run, secret)
          : await this.get(id, run, secret);
      }
      return await this.withToken(ref);
    } finally {
      watch.done();
    }
  }

  /** The step's leg with its token minted, when its request is approved with one. */
  async withToken(ref: StepRef): Promise<StepRef> {
    const { request: r, leg } = ref;
    if (r.status !== 'approved' || !r.decision.token || leg.token || leg.endedAt !== null) return ref;
    return this.locks.run(r.id, async () => {
      const handed = this.#handed.get(r.id)?.get(leg.secretHash);
      if (handed) {
        this.#handed.get(r.id)!.delete(leg.secretHash);
        return handed;
      }
      const fresh = (await this.deps.store.getRequest(r.id))!;
      const mine = fresh.legs.find((l) => l.secretHash === leg.secretHash)!;
      // The other steps waiting here on this request get theirs in the same go, and their answer
      // from this read (a matrix resumes at once: not one lock section, read and save per job).
      const waiting = this.deps.waiters.answeringSteps(r.id);
      const others = fresh.legs.filter((l) => l !== mine && waiting.has(l.secretHash));
      await grantLegs(this, fresh, mine, others);
      const withTokens = others.filter((l) => l.token);
      if (withTokens.length > 0)
        this.#handed.set(r.id, new Map(withTokens.map((l) => [l.secretHash, { request: fresh, leg: l }])));
      return { request: fresh, leg: mine };
    });
  }

  /** The step was cancelled: its leg ends (its token revoked); the request ends when no leg waits. */
  async cancel(id: string, claims: RunClaims, secret: string | undefined): Promise<StepRef> {
    const { leg } = await this.get(id, claims, secret);
    await endLegs(
      this,
      id,
      (l) => l.secretHash === leg.secretHash,
      'step_cancelled',
      'the step was cancelled',
    );
    return this.get(id, claims, secret);
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

  /**
   * Times out overdue requests, revokes tokens past their TTL, and brings back what a failure left
   * behind (clicks not processed, tokens minted but never handed over, check runs behind). Runs at
   * start and on a timer.
   */
  sweep(): Promise<void> {
    return sweep(this);
  }

  /** A job of the run finished: its legs end, their tokens are revoked, requests nobody waits on end. */
  async jobCompleted(repositoryId: string, runId: string, runAttempt: string, jobId: number): Promise<void> {
    for (const found of await this.deps.store.requestsForRun(repositoryId, runId, runAttempt)) {
      if (!found.legs.some((l) => l.jobId === jobId)) continue;
      await endLegs(
        this,
        found.id,
        (l) => l.jobId === jobId,
        'job_completed',
        'the job ended before a decision',
      );
    }
  }

  /** A run (attempt) finished: every leg of its requests ends. The backstop for missed job events. */
  async runCompleted(repositoryId: string, runId: string, runAttempt: string): Promise<void> {
    for (const found of await this.deps.store.requestsForRun(repositoryId, runId, runAttempt)) {
      if (found.status !== 'pending' && !found.legs.some((l) => l.token && l.token.revokedAt === null))
        continue;
      await endLegs(this, found.id, () => true, 'run_completed', 'the workflow run ended before a decision');
    }
  }

  /** What the step sees: the request, its votes, and its own leg's token. */
  async viewOf(ref: StepRef): Promise<RequestView> {
    return stepView(
      ref.request,
      ref.leg,
      this.deps.now(),
      this.deps.serverUrl,
      await this.deps.store.votes(ref.request.id),
      this.deps.pageUrl,
    );
  }

  view(r: StoredRequest, leg: Leg, votes: readonly StoredVote[] = []): RequestView {
    return stepView(r, leg, this.deps.now(), this.deps.serverUrl, votes, this.deps.pageUrl);
  }
}
