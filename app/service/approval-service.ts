import type { ChatDelivery } from '../chat/deliver.ts';
import type { KeyRing } from '../crypto/keys.ts';
import type { Effect, EffectKind } from '../domain/effects.ts';
import type { Leg } from '../domain/leg.ts';
import type { RunClaims } from '../domain/claims.ts';
import type { StepRef, StoredRequest } from '../domain/request.ts';
import type { CreateRequestBody, RequestView } from '../domain/step-contract.ts';
import { stepView } from '../domain/step-view.ts';
import type { StoredVote, VoteInput, VoteResult } from '../domain/vote.ts';
import type { GitHubPort } from '../github/port.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/types.ts';
import { handleComment, type CommentEvent } from './commands.ts';
import { createRequest } from './create-request.ts';
import { effectHandlers } from './effects/handlers.ts';
import { EffectWorker } from './effects/worker.ts';
import { endLegs, jobCompleted, runCompleted } from './end-legs.ts';
import { gateRequested, type GateEvent } from './gate-request.ts';
import { grantLeg } from './grant.ts';
import { IgnoredVotes } from './ignored-clicks.ts';
import { Ledger } from './ledger.ts';
import type { Ports } from './ports.ts';
import { ReplyBudget } from './reply-budget.ts';
import { remindDue } from './remind.ts';
import { checksFinished } from './checks-finished.ts';
import { StepWaits, type RunIdentity } from './step-wait.ts';
import { sweep } from './sweep.ts';
import { handleVote, requestOf, type VoteContext } from './vote-intake.ts';
import { whyCannotDecide } from './vote-screen.ts';
import type { Hangup, Waiters } from './waiters.ts';

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
  /** PUBLIC_URL when sign-in is configured: check runs, notices and steps link to its pages. */
  pageUrl?: string | undefined;
  /** Refuse steps that send no job id (`REQUIRE_JOB_ID`, default true). */
  requireJobId: boolean;
  /** Chat and webhook targets (NOTIFY_TARGETS). */
  chat: ChatDelivery;
  /** This app's id: a click on another app's check run is not a vote. */
  appId: number;
  /** Waits between a chat message's tries (tests shorten them). */
  chatBackoffMs?: readonly number[];
}

/**
 * How long an API call or a webhook waits at most for what it changed to show on GitHub: half the
 * 10 s GitHub gives a webhook delivery. A write still under way then goes on after the answer.
 */
const SETTLE_MS = 5_000;

/**
 * The service's facade, what the entry points (API, webhooks, pages) call: it builds the ports and
 * the stateful parts once, and hands each use case the ports it uses. No use case imports it.
 */
export class ApprovalService {
  /** What it was built from (the test harness reads the store, the waiters and the chat through it). */
  readonly deps: ServiceDeps;
  readonly ledger: Ledger;
  readonly worker: EffectWorker;
  readonly steps: StepWaits;
  /** Votes that cannot count, shown on check runs together. */
  readonly ignored: IgnoredVotes;
  readonly #budget: ReplyBudget;
  readonly #ports: Ports;
  readonly #votes: VoteContext;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
    this.ledger = new Ledger(deps.store, deps.now);
    const ports: Ports = {
      ledger: this.ledger,
      github: deps.github,
      now: deps.now,
      log: deps.log,
      metrics: deps.metrics,
      chat: deps.chat,
      links: { serverUrl: deps.serverUrl, pageUrl: deps.pageUrl },
      sealKey: deps.sealKey,
      requireJobId: deps.requireJobId,
      appId: deps.appId,
      effects: { settle: (id, opts) => this.worker.settle(id, deps.now() + SETTLE_MS, opts) },
    };
    this.#ports = ports;
    this.worker = new EffectWorker(this.ledger, effectHandlers(ports), {
      now: deps.now,
      log: deps.log,
      metrics: deps.metrics,
      ...(deps.chatBackoffMs && { chatBackoffMs: deps.chatBackoffMs }),
    });
    this.worker.onGiveUp('chat', async (e: Effect, err: unknown) =>
      deps.chat.gaveUp(String(e.data.target), e.requestId, err),
    );
    this.steps = new StepWaits(ports, deps.waiters);
    this.ignored = new IgnoredVotes(ports);
    this.#budget = new ReplyBudget(deps.now);
    this.#votes = { ignored: this.ignored, stepsWaiting: (r) => this.steps.stepsWaiting(r) };
  }

  /** Answers to comment commands: the budget, and (tests) a wait until those under way are posted. */
  get replies(): { idle(): Promise<void> } {
    return { idle: () => this.drain(['reply']) };
  }

  /** A step asks (`ofRun`: the run attempt's requests, when the caller has just read them). */
  async create(claims: RunClaims, body: CreateRequestBody, ofRun?: StoredRequest[]): Promise<StepRef> {
    const ref = await createRequest(this.#ports, claims, body, ofRun);
    if (ref.request.status !== 'approved' || !ref.request.decision.token || ref.leg.token) return ref;
    // The asking step's token, in its first answer (the other legs get theirs when they ask).
    return this.ledger.locked(ref.request.id, async () => {
      const r = await this.ledger.read(ref.request.id);
      const leg = r.legs.find((l) => l.secretHash === ref.leg.secretHash)!;
      await grantLeg(this.#ports, r, leg);
      return { request: r, leg };
    });
  }

  /** The step's leg with its token minted (and those of the steps waiting here with it). */
  withToken(ref: StepRef): Promise<StepRef> {
    return this.steps.withToken(ref);
  }

  get(id: string, claims: RunIdentity, secret: string | undefined): Promise<StepRef> {
    return this.steps.get(id, claims, secret);
  }

  wait(
    id: string,
    run: RunIdentity,
    secret: string | undefined,
    seconds: number,
    signal?: Hangup,
    since?: number,
    authenticated?: (leg: Leg) => void,
  ): Promise<StepRef> {
    return this.steps.wait(id, run, secret, seconds, signal, since, authenticated);
  }

  /** Counts a poll by a step of request `id` as being answered until the returned function is called. */
  answering(id: string, secretHash: string): () => void {
    return this.steps.waiters.answering(id, secretHash);
  }

  /** The step was cancelled: its leg ends (its token revoked); the request ends when no leg waits. */
  async cancel(id: string, claims: RunClaims, secret: string | undefined): Promise<StepRef> {
    const { leg } = await this.get(id, claims, secret);
    const message = 'the step was cancelled';
    await endLegs(this.#ports, id, (l) => l.secretHash === leg.secretHash, 'step_cancelled', message);
    return this.get(id, claims, secret);
  }

  /** A job waits on an environment guarded by this app (a deployment protection rule). */
  gate(e: GateEvent): Promise<void> {
    return gateRequested(this.#ports, e);
  }

  jobCompleted(repositoryId: string, runId: string, runAttempt: string, jobId: number): Promise<void> {
    return jobCompleted(this.#ports, repositoryId, runId, runAttempt, jobId);
  }

  runCompleted(repositoryId: string, runId: string, runAttempt: string): Promise<void> {
    return runCompleted(this.#ports, repositoryId, runId, runAttempt);
  }

  /**
   * A check run, check suite or commit status on commit `sha` finished (`appId`: the app that made
   * it, if known; the app's own never count): requests waiting on the commit's checks are decided again.
   */
  async checksFinished(repositoryId: string, sha: string, appId?: number): Promise<void> {
    if (appId === this.#ports.appId) return;
    await checksFinished(this.#ports, repositoryId, sha);
    await this.worker.pass();
  }

  /** A vote (a click, a page's form); its request shows the outcome before this returns. */
  async vote(input: VoteInput): Promise<VoteResult | undefined> {
    const result = await handleVote(this.#ports, this.#votes, input);
    const id = input.requestId ?? (await requestOf(this.#ports, input))?.id;
    if (id) await this.#ports.effects.settle(id);
    return result;
  }

  /** A comment that holds a command. */
  comment(c: CommentEvent): Promise<void> {
    return handleComment(this.#ports, { ...this.#votes, replies: this.#budget }, c);
  }

  whyCannotDecide(r: StoredRequest, user: { id: number; login: string }): Promise<string | undefined> {
    return whyCannotDecide(this.#ports, r, user);
  }

  /** Reminds approvers whose `remind_every` passed, and tells escalations that became due. */
  async remind(): Promise<void> {
    await remindDue(this.#ports);
    await this.worker.pass();
  }

  /** Times out overdue requests, repairs what a failure left, and does the effects due. */
  sweep(): Promise<void> {
    return sweep(this.#ports, this.#votes, this.worker);
  }

  /** Another instance saved request `id` (every request, when such news may have been lost). */
  changedElsewhere(id?: string): void {
    if (id === undefined) this.steps.changedEverywhere();
    else this.ledger.changedElsewhere(id);
  }

  /** What the step sees: the request, its votes, and its own leg's token. */
  async viewOf(ref: StepRef): Promise<RequestView> {
    return this.view(ref.request, ref.leg, await this.ledger.votes(ref.request.id));
  }

  view(r: StoredRequest, leg: Leg, votes: readonly StoredVote[] = []): RequestView {
    return stepView(r, leg, this.deps.now(), this.deps.serverUrl, votes, this.deps.pageUrl);
  }

  /** Resolves once no effect of `kinds` is due or under way (tests; before stopping). */
  async drain(kinds: readonly EffectKind[], timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      await this.worker.pass();
      await this.worker.idle();
      await this.deps.chat.idle();
      const due = await this.ledger.outbox.due(Number.MAX_SAFE_INTEGER, 1000);
      if (!due.some((e) => kinds.includes(e.kind)) || Date.now() > until) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
