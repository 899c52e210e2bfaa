import type { Decision } from '../policy/decision.ts';
import type { Level } from '../policy/permissions.ts';

export type RequestStatus = 'pending' | 'approved' | 'denied' | 'timed_out' | 'cancelled';
export const FINAL: readonly RequestStatus[] = ['approved', 'denied', 'timed_out', 'cancelled'];

/** The verified OIDC claims a request was made with (strings, as GitHub sends them). */
export interface RunClaims {
  repository: string;
  repository_id: string;
  repository_owner: string;
  ref: string;
  sha: string;
  event_name: string;
  environment?: string;
  workflow_ref: string;
  actor: string;
  actor_id?: string;
  run_id: string;
  run_attempt: string;
}

/** `owner/repo/.github/workflows/deploy.yml@refs/heads/main` -> `.github/workflows/deploy.yml`. */
export const workflowPath = (workflowRef: string): string =>
  workflowRef.replace(/^[^/]+\/[^/]+\//, '').replace(/@[^@]*$/, '');

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
  /** The token encrypted to the step's public key (JWE), handed only to the same run. */
  jwe: string;
}

export interface StoredRequest {
  id: string;
  /** repository_id:run_id:run_attempt:job:action — one request per step attempt. */
  key: string;
  installationId: number;
  claims: RunClaims;
  job: string;
  action: string;
  reason: string | null;
  requestedPermissions: Record<string, Level> | null;
  /** The step's ephemeral public key (JWK). */
  publicKey: Record<string, unknown>;
  /** The commit the check run is on: the PR head for pull_request runs. */
  headSha: string;
  status: RequestStatus;
  decision: Decision;
  checkRunId: number | null;
  createdAt: number;
  expiresAt: number;
  decidedAt: number | null;
  token: TokenRecord | null;
  /** Clicks that changed nothing: who, why. Shown on the check run. */
  ignoredVotes: { login: string; reason: string; at: number }[];
  version: number;
}

export interface StoredVote {
  requestId: string;
  voterId: number;
  voterLogin: string;
  decision: 'approve' | 'deny';
  at: number;
  /** Teams (`org/slug`) the voter was an active member of when voting. */
  teams: string[];
}

export interface AuditEvent {
  seq: number;
  at: number;
  type: string;
  requestId: string | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** Persistence for requests, votes, deliveries and the audit chain: SQLite or PostgreSQL. */
export interface Store {
  /** Inserts unless a request with the same key exists; returns the stored one either way. */
  createRequest(r: StoredRequest): Promise<{ request: StoredRequest; created: boolean }>;
  getRequest(id: string): Promise<StoredRequest | undefined>;
  findByCheckRun(checkRunId: number): Promise<StoredRequest | undefined>;
  /** Writes the request if its version is still `r.version`; returns false when another write won. */
  saveRequest(r: StoredRequest): Promise<boolean>;
  /** Records a vote; a later vote of the same voter replaces theirs. */
  putVote(v: StoredVote): Promise<void>;
  votes(requestId: string): Promise<StoredVote[]>;
  /** True the first time a webhook delivery id is seen. */
  firstDelivery(deliveryId: string): Promise<boolean>;
  /** Pending requests; with `dueBy`, only those whose timeout passes by then (an indexed query). */
  pendingRequests(dueBy?: number): Promise<StoredRequest[]>;
  countPending(): Promise<number>;
  /** Requests holding a token not yet revoked; with `dueBy`, only those to revoke by then. */
  unrevokedTokens(dueBy?: number): Promise<StoredRequest[]>;
  requestsForRun(repositoryId: string, runId: string, runAttempt: string): Promise<StoredRequest[]>;
  appendAudit(
    type: string,
    requestId: string | null,
    data: Record<string, unknown>,
    at: number,
  ): Promise<AuditEvent>;
  auditEvents(): Promise<AuditEvent[]>;
  /**
   * Runs `work` while no other instance works on request `id` (a PostgreSQL advisory lock held on
   * its own connection); absent where one process owns the store (SQLite). In-process callers are
   * already serialized by `KeyedLock`.
   */
  exclusive?<T>(id: string, work: () => Promise<T>): Promise<T>;
  /**
   * Hears saves by other instances (PostgreSQL LISTEN/NOTIFY); absent where there are none.
   * `onGap` is called when saves may have gone unheard (the connection dropped and came back).
   */
  subscribe?(listener: (requestId: string) => void, onGap?: () => void): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
