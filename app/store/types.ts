import type { StoredVote } from '../domain/vote.ts';
import type { EffectDue } from '../domain/effects.ts';
import type { Outbox } from './outbox.ts';
import type { KeyRing } from '../crypto/keys.ts';
import type { AuditEvent } from '../audit/event.ts';
import type { StoredRequest } from '../domain/request.ts';

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
  /**
   * Records a mint about to be asked of GitHub, with the effects due from it (its revocation) in
   * the same transaction.
   */
  openMint(m: Omit<MintIntent, 'minted'>, effects?: readonly EffectDue[]): Promise<void>;
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
  /** The effects due outside the app: written with the saves that cause them, done by one worker. */
  readonly outbox: Outbox;
  /**
   * Inserts unless a request with the same key exists, with the effects it makes due and the audit
   * events that record it (in the same transaction); returns the stored one either way.
   */
  createRequest(
    r: StoredRequest,
    effects?: readonly EffectDue[],
    audit?: readonly RequestAudit[],
  ): Promise<{ request: StoredRequest; created: boolean }>;
  getRequest(id: string): Promise<StoredRequest | undefined>;
  findByCheckRun(checkRunId: number): Promise<StoredRequest | undefined>;
  /**
   * Writes the request if its version is still `r.version`, and appends `audit` (events about it)
   * in the same transaction: the change and its record are stored together or not at all. Returns
   * false when another write won (then nothing is written).
   */
  saveRequest(
    r: StoredRequest,
    audit?: readonly RequestAudit[],
    effects?: readonly EffectDue[],
  ): Promise<boolean>;
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
  /** How many requests the account `accountId` has waiting in the repository (an indexed count). */
  countWaitingBy(repositoryId: string, accountId: string): Promise<number>;
  /** Pending requests of the repository on commit `sha` that wait on its running checks. */
  awaitingChecks(repositoryId: string, sha: string): Promise<StoredRequest[]>;
  /**
   * The commit of the latest request that policy `policy` governed and that was approved, for the
   * action and environment ('' for none) in the repository; null when it approved none.
   */
  lastApproved(
    repositoryId: string,
    action: string,
    environment: string,
    policy: string,
  ): Promise<string | null>;
  /** Requests holding a token not yet revoked; with `dueBy`, only those to revoke by then. */
  unrevokedTokens(dueBy?: number): Promise<StoredRequest[]>;
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
