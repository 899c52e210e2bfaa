import type { OwnerRef } from '../config/owners.ts';
import type { KeyRing } from '../crypto/keys.ts';
import type { NoticePlan } from '../notify/notifier.ts';
import type { Decision } from '../policy/decision.ts';
import type { Level } from '../policy/permissions.ts';

export type RequestStatus = 'pending' | 'approved' | 'denied' | 'timed_out' | 'cancelled';
export const FINAL: readonly RequestStatus[] = ['approved', 'denied', 'timed_out', 'cancelled'];

/** The verified OIDC claims a request was made with (strings, as GitHub sends them). */
export interface RunClaims {
  repository: string;
  repository_id: string;
  repository_owner: string;
  /** The owner's account id, where the token (or the webhook) carries it. */
  repository_owner_id?: string;
  ref: string;
  sha: string;
  event_name: string;
  environment?: string;
  workflow_ref: string;
  actor: string;
  actor_id?: string;
  /** Who started this attempt: on a re-run, whoever re-ran it (GitHub keeps `actor`). */
  triggering_actor?: string;
  /**
   * The account id of `triggering_actor`: GitHub's token names it by login only, so the app reads
   * it when the run was re-run by another account (for a job gate, from the run).
   */
  triggering_actor_id?: string;
  /** The commit of the workflow file (`workflow_sha`): where the job's definition is read. */
  workflow_sha?: string;
  /** The workflow that defines the job: differs from `workflow_ref` in a reusable workflow. */
  job_workflow_ref?: string;
  /**
   * The job's own id, where the issuer signs it into the token: then it is the job id, and a step
   * cannot claim another job's.
   */
  check_run_id?: string;
  run_id: string;
  run_attempt: string;
}

/**
 * The request's repository owner: who must own each chat target its notices go to, and whose
 * organization policies may be mandatory.
 */
export const ownerOf = (c: RunClaims): OwnerRef => ({
  login: c.repository_owner,
  id: c.repository_owner_id === undefined ? undefined : Number(c.repository_owner_id),
});

/**
 * The workflow file's path: `workflow_ref` (`owner/repo/.github/workflows/deploy.yml@refs/heads/main`)
 * without its owner and repository (which hold no `/`) and without exactly `@` + the token's `ref`
 * at its end. A ref may hold `@` itself (`refs/heads/hotfix@now`, `refs/tags/web@1.2.3`), so the
 * cut is never made at an `@` found by searching. Null when `workflow_ref` does not end so: the
 * claims disagree, and no path is guessed (the API refuses such a token).
 */
export function workflowPath(c: Pick<RunClaims, 'workflow_ref' | 'ref'>): string | null {
  const suffix = `@${c.ref}`;
  if (!c.workflow_ref.endsWith(suffix)) return null;
  const path = c.workflow_ref.slice(0, -suffix.length).replace(/^[^/]+\/[^/]+\//, '');
  return path === c.workflow_ref.slice(0, -suffix.length) ? null : path;
}

/** The workflow as shown to people: its path, or the whole `workflow_ref` where none can be cut. */
export const workflowShown = (c: Pick<RunClaims, 'workflow_ref' | 'ref'>): string =>
  workflowPath(c) ?? c.workflow_ref;

export interface TokenRecord {
  /** SHA-256 of the token: how logs and the audit name it. */
  hash: string;
  /** The token, encrypted at rest (AES-256-GCM); needed to revoke it. */
  sealed: string;
  permissions: Record<string, Level>;
  expiresAt: number;
  /** When the app must revoke it: TTL end, or earlier when the job completes. */
  revokeAt: number;
  revokedAt: number | null;
  /** When the app gave up revoking it (audited as `token_revoke_failed`); the sweep skips it after. */
  revokeFailedAt?: number | null;
  /** The token encrypted to the step's public key (JWE), handed only to the same run. */
  jwe: string;
}

/**
 * One step waiting on a request: a job, or one leg of a matrix job. Legs of one job share the
 * request (one approval); each has its own key, secret and token.
 */
export interface Leg {
  /**
   * The job's id (`job.check_run_id`), verified against the run; null where the runner has none
   * (GHES), and the leg is then known by its job key and matrix position only.
   */
  jobId: number | null;
  /** The job's display name as GitHub shows it (verified), or `key [index]` when unverified. */
  name: string;
  /** The step's ephemeral public key (JWK): the token is encrypted to it. */
  publicKey: Record<string, unknown>;
  /** SHA-256 (hex) of the step's secret: reading and cancelling the request need the secret. */
  secretHash: string;
  reason: string | null;
  requestedPermissions: Record<string, Level> | null;
  joinedAt: number;
  /** When its job ended or its step cancelled: it gets no token after that. */
  endedAt: number | null;
  token: TokenRecord | null;
}

/**
 * What reviewers were shown when the check run first appeared: the token and the approvals it
 * takes. A policy change while pending may narrow these, never widen them.
 */
export interface Terms {
  token: { permissions: Record<string, Level>; ttl_seconds: number } | null;
  requirements: {
    policy: string;
    required: number;
    users: string[];
    teams: string[];
    self_approval: boolean;
    /** Its escalations as shown: approvers who become eligible after a wait. */
    escalate?: { after_seconds: number; users: string[]; teams: string[] }[];
  }[];
}

export interface StoredRequest {
  id: string;
  /** repository_id:run_id:run_attempt:job:action:environment — one approval per job (and matrix). */
  key: string;
  installationId: number;
  claims: RunClaims;
  /** The job key (GITHUB_JOB) of the steps that share this request. */
  job: string;
  action: string;
  /** The first leg's reason: what reviewers read. */
  reason: string | null;
  /** The step asked for an emergency override of freezes and windows (`break_glass`). */
  emergency?: boolean;
  /**
   * Approved through a break-glass override: the number of its post-incident review issue, or
   * null until GitHub has taken it (the app keeps trying).
   */
  breakGlassIssue?: number | null;
  requestedPermissions: Record<string, Level> | null;
  /** The commit the check run is on: the PR head for pull_request runs. */
  headSha: string;
  status: RequestStatus;
  decision: Decision;
  /** Fixed when the request is first shown (pending); null for requests decided at once. */
  terms: Terms | null;
  checkRunId: number | null;
  /**
   * When GitHub made its check run, by GitHub's clock (its `started_at`, whole seconds): a comment
   * command counts only if it was written (GitHub's `created_at`) at or after this.
   */
  shownAt?: number;
  createdAt: number;
  expiresAt: number;
  decidedAt: number | null;
  /** The steps waiting on it, in the order they asked; the first made it. */
  legs: Leg[];
  /** How its approvers are told (comment, issue, chat) and what was posted; null: not at all. */
  notice: NoticePlan | null;
  /** Clicks that changed nothing: who, why, and the delivery that brought each. Shown on the check run. */
  ignoredVotes: { login: string; reason: string; at: number; delivery?: string }[];
  /** How many clicks were ignored in all (the list keeps the newest only). */
  ignoredTotal?: number;
  /**
   * How far the check run on GitHub is behind the request: `wanted` counts the changes reviewers
   * should see, `shown` the last of them GitHub accepted. While they differ the sweep sends the
   * view again (from `retryAt`, later after each of its `failures`). Absent: nothing changed since
   * the check run was made.
   */
  checkRunSync?: CheckRunSync;
  /**
   * A job gate (a deployment protection rule's request, with no legs): the environment and run it
   * answers for, and whether GitHub took the answer. A decided gate not answered is sent by the
   * sweep.
   */
  gate?: { environment: string; runId: number; answered: boolean };
  version: number;
}

export interface CheckRunSync {
  wanted: number;
  shown: number;
  failures: number;
  retryAt: number;
}

export interface StoredVote {
  requestId: string;
  voterId: number;
  voterLogin: string;
  decision: 'approve' | 'deny';
  at: number;
  /** Teams (`org/slug`) the voter was an active member of when voting. */
  teams: string[];
  /** What the voter wrote with the vote (a `/approve` comment); buttons carry none. */
  comment?: string | null;
  /** The webhook delivery (click) that recorded it. */
  delivery?: string;
}

export interface AuditEvent {
  seq: number;
  at: number;
  type: string;
  requestId: string | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
  /** The audit key that made `mac` (null: written before the chain was keyed). */
  keyId: string | null;
  /** HMAC-SHA256 of `hash` under that key: only the key's holder can write or rewrite an event. */
  mac: string | null;
}

export interface StoreOptions {
  /** The audit chain's keys. Without them the store reads the audit log but cannot append to it. */
  auditKeys?: KeyRing;
  /** The clock for events the store writes itself when it opens (default Date.now). */
  now?: () => number;
  /** Where a store reports what it survives (a dropped PostgreSQL connection). */
  log?: { warn(obj: object, msg?: string): void };
  /** SQLite: open the file to read only, beside a running app that owns DATA_DIR (no lock taken). */
  readOnly?: boolean;
}

/** An audit event about a request, appended with the save that records what it says. */
export interface RequestAudit {
  type: string;
  data: Record<string, unknown>;
  at: number;
}

/** A webhook delivery (a click) recorded before it is processed, until it has been. */
export interface DeliveryIntent {
  id: string;
  /** What processing it needs, as read from the payload when it arrived. */
  input: Record<string, unknown>;
  /** When it first arrived. */
  at: number;
  /** Tries that failed (the sweep's). */
  attempts: number;
}

/** A token mint recorded before GitHub is asked, until a leg holds the token or it is revoked. */
export interface MintIntent {
  id: string;
  requestId: string;
  /** The leg the token is for. */
  secretHash: string;
  /** When the mint began. */
  at: number;
  /** Set once GitHub answered: the token, sealed, and the data of its `token_granted` event. */
  minted: { hash: string; sealed: string; expiresAt: number; granted: Record<string, unknown> } | null;
}

/**
 * Intent recorded before it is acted on, so that a retry (GitHub's redelivery, the sweep, a
 * restarted app) finds what was under way when a part failed.
 */
export interface Journal {
  /**
   * Records delivery `id` as pending (unless it was recorded before), to be tried by the sweep from
   * `retryAt`. Returns the intent while it is pending, null once it was processed.
   */
  beginDelivery(d: {
    id: string;
    input: Record<string, unknown>;
    at: number;
    retryAt: number;
  }): Promise<DeliveryIntent | null>;
  /** Whether delivery `id` was processed (or given up): a redelivery of it changes nothing. */
  processed(id: string): Promise<boolean>;
  /** Delivery `id` was processed (`done`), or never will be (`failed`). */
  endDelivery(id: string, state: 'done' | 'failed'): Promise<void>;
  /** Pending deliveries due by `dueBy`, the oldest first, at most `limit`. */
  pendingDeliveries(dueBy: number, limit: number): Promise<DeliveryIntent[]>;
  /** Processing delivery `id` failed again: the sweep tries it from `retryAt`. */
  retryDelivery(id: string, retryAt: number): Promise<void>;
  /** Records a mint about to be asked of GitHub. */
  openMint(m: Omit<MintIntent, 'minted'>): Promise<void>;
  /** GitHub answered mint `id`: the token is kept, sealed, until a leg holds it or it is revoked. */
  sealMint(id: string, minted: NonNullable<MintIntent['minted']>): Promise<void>;
  /**
   * Ends mint `id` and appends `audit` (about its request) in one transaction. False when it had
   * ended already (then nothing is written).
   */
  closeMint(id: string, audit: RequestAudit[]): Promise<boolean>;
  /** Mints begun by `before` and not ended, the oldest first, at most `limit`. */
  openMints(before: number, limit: number): Promise<MintIntent[]>;
  /** Mint `id`, unless it has ended. */
  mint(id: string): Promise<MintIntent | undefined>;
}

/**
 * What the approval page keeps between a browser's requests, shared by every instance: signed-in
 * sessions (`session`, by the hash of their cookie). A sign-in under way is no row: it lives in
 * its browser's sealed cookie. Records past `expiresAt` are never returned, and are pruned by the
 * sweep.
 */
export interface WebRecords {
  put(kind: WebRecordKind, keyHash: string, data: Record<string, unknown>, expiresAt: number): Promise<void>;
  get(kind: WebRecordKind, keyHash: string, now: number): Promise<Record<string, unknown> | undefined>;
  delete(kind: WebRecordKind, keyHash: string): Promise<void>;
  /** Deletes the records that expired by `now`; returns how many. */
  prune(now: number): Promise<number>;
}

export type WebRecordKind = 'session';

/** Persistence for requests, votes, deliveries and the audit chain: SQLite or PostgreSQL. */
export interface Store {
  /** Intents recorded before they are acted on: deliveries and mints. */
  readonly journal: Journal;
  /** The approval page's sessions. */
  readonly web: WebRecords;
  /** Decided requests, the most recently decided first, at most `limit`. */
  decidedRequests(limit: number): Promise<StoredRequest[]>;
  /** The audit events about one request, oldest first. */
  auditOf(requestId: string): Promise<AuditEvent[]>;
  /** Inserts unless a request with the same key exists; returns the stored one either way. */
  createRequest(r: StoredRequest): Promise<{ request: StoredRequest; created: boolean }>;
  getRequest(id: string): Promise<StoredRequest | undefined>;
  findByCheckRun(checkRunId: number): Promise<StoredRequest | undefined>;
  /**
   * Writes the request if its version is still `r.version`, and appends `audit` (events about it)
   * in the same transaction: the change and its record are stored together or not at all. Returns
   * false when another write won (then nothing is written).
   */
  saveRequest(r: StoredRequest, audit?: RequestAudit[]): Promise<boolean>;
  /**
   * Records a vote with `audit` (the events that record it) in one transaction; a later vote of
   * the same voter (by `at`) replaces theirs. False, writing nothing, when the vote's delivery is
   * recorded already or the voter's stored vote is later.
   */
  putVote(v: StoredVote, audit?: RequestAudit[]): Promise<boolean>;
  votes(requestId: string): Promise<StoredVote[]>;
  /** Pending requests; with `dueBy`, only those whose timeout passes by then (an indexed query). */
  pendingRequests(dueBy?: number): Promise<StoredRequest[]>;
  countPending(): Promise<number>;
  /** Requests holding a token not yet revoked; with `dueBy`, only those to revoke by then. */
  unrevokedTokens(dueBy?: number): Promise<StoredRequest[]>;
  /** Requests whose check run lags their state, due for a retry by `dueBy`; at most `limit`. */
  unsyncedCheckRuns(dueBy: number, limit: number): Promise<StoredRequest[]>;
  /** Decided gate requests whose answer GitHub has not taken, the oldest first; at most `limit`. */
  unansweredGates(limit: number): Promise<StoredRequest[]>;
  /** Requests approved through break-glass whose review issue GitHub has not taken, at most `limit`. */
  dueBreakGlassReviews(limit: number): Promise<StoredRequest[]>;
  requestsForRun(repositoryId: string, runId: string, runAttempt: string): Promise<StoredRequest[]>;
  /**
   * The requests whose approvers were told in `thread` (a `threadKey`: the pull request or commit
   * of their comment, or their issue) of the repository, pending ones first, at most `limit`.
   */
  requestsOnThread(repositoryId: string, thread: string, limit: number): Promise<StoredRequest[]>;
  appendAudit(
    type: string,
    requestId: string | null,
    data: Record<string, unknown>,
    at: number,
  ): Promise<AuditEvent>;
  auditEvents(): Promise<AuditEvent[]>;
  /** The newest audit event of request `requestId` (an indexed query). */
  lastAuditEvent(requestId: string): Promise<AuditEvent | undefined>;
  /**
   * Runs `work` while no other instance works on request `id` (a PostgreSQL advisory lock held on
   * its own connection); absent where one process owns the store (SQLite). In-process callers are
   * already serialized by `KeyedLock`.
   */
  exclusive?<T>(id: string, work: () => Promise<T>): Promise<T>;
  /**
   * Books the next write slot of installation `installationId` for every instance together (GCRA:
   * one slot each `intervalMs`, at most `toleranceMs` ahead of time) and says how many ms to wait
   * for it; absent where one process owns the store (SQLite), which paces its own writes.
   */
  reserveWrite?(installationId: number, intervalMs: number, toleranceMs: number): Promise<number>;
  /**
   * Hears saves by other instances (PostgreSQL LISTEN/NOTIFY); absent where there are none.
   * `onGap` is called when saves may have gone unheard (the connection dropped and came back).
   */
  subscribe?(listener: (requestId: string) => void, onGap?: () => void): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
