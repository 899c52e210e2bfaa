import { unrevokedLegs } from '../domain/leg.ts';
import type { Checkpoint } from '../audit/checkpoint.ts';
import { threadKey } from '../domain/thread.ts';
import { accountOf } from '../domain/claims.ts';
import type { AuditEvent } from '../audit/event.ts';
import type { Leg } from '../domain/leg.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { StoredVote } from '../domain/vote.ts';

/**
 * A stored request body as the current shape. Rows written before matrix legs existed held one
 * step's key and token at the top level: they become the request's only leg (with no secret, so
 * no new step can read them; the sweep still revokes their tokens).
 */
export function requestFromBody(body: Record<string, unknown>, version: number): StoredRequest {
  if (Array.isArray(body.legs)) {
    const r = body as unknown as StoredRequest;
    return { ...r, notice: r.notice ?? null, version };
  }
  const { publicKey, token, ...rest } = body as Record<string, unknown> & {
    publicKey: Record<string, unknown>;
    token: Leg['token'];
  };
  const old = rest as unknown as StoredRequest;
  const leg: Leg = {
    jobId: null,
    name: old.job,
    publicKey,
    secretHash: '',
    reason: old.reason,
    requestedPermissions: old.requestedPermissions,
    joinedAt: old.createdAt,
    endedAt: null,
    token,
  };
  return { ...old, terms: null, legs: [leg], notice: null, version };
}

/** The columns of both stores' INSERT and UPDATE statements of a request, in their order. */
export const REQUEST_COLUMNS = [
  'status',
  'check_run_id',
  'repository_id',
  'run_id',
  'run_attempt',
  'token_unrevoked',
  'body',
  'expires_at',
  'revoke_at',
  'decided_at',
  'thread',
  'issue_thread',
  'account_id',
] as const;

/** The INSERT and UPDATE statements of a request, with `param(n)` as the n-th placeholder (from 1). */
export function requestSql(param: (n: number) => string): { insert: string; update: string } {
  const n = REQUEST_COLUMNS.length;
  const values = REQUEST_COLUMNS.map((_, i) => param(i + 1)).join(', ');
  return {
    insert: `INSERT INTO requests (${REQUEST_COLUMNS.join(', ')}, id, key, version) VALUES (${values}, ${param(n + 1)}, ${param(n + 2)}, 1)`,
    update: `UPDATE requests SET ${REQUEST_COLUMNS.map((c, i) => `${c} = ${param(i + 1)}`).join(', ')}, version = version + 1 WHERE id = ${param(n + 1)} AND version = ${param(n + 2)}`,
  };
}

/**
 * The values of `REQUEST_COLUMNS`: status, check_run_id, repository_id, run_id, run_attempt,
 * token_unrevoked (any leg's), body, expires_at, revoke_at (the earliest of the legs' unrevoked
 * tokens), decided_at, thread (where its approvers were told), issue_thread and account_id (who started the run).
 */
export function requestColumns(
  r: StoredRequest,
): [
  string,
  number | null,
  string,
  string,
  string,
  boolean,
  string,
  number,
  number | null,
  number | null,
  string | null,
  string | null,
  string | null,
] {
  const unrevoked = unrevokedLegs(r);
  return [
    r.status,
    r.checkRunId,
    r.claims.repository_id,
    r.claims.run_id,
    r.claims.run_attempt,
    unrevoked.length > 0,
    JSON.stringify({ ...r, version: undefined }),
    r.expiresAt,
    unrevoked.length > 0 ? Math.min(...unrevoked.map((l) => l.token!.revokeAt)) : null,
    r.decidedAt,
    r.notice ? threadKey(r.notice.thread) : null,
    issueThread(r),
    accountOf(r.claims),
  ];
}

/**
 * The thread of the issue a request's approvers were told in (`notify.github: issue`), once it is
 * open: comments there are about the request too.
 */
const issueThread = (r: StoredRequest): string | null =>
  r.notice?.github === 'issue' && r.notice.posted !== null
    ? threadKey({ kind: 'pull', number: r.notice.posted })
    : null;

/** An audit row, as either store returns it (SQLite holds data as text, PostgreSQL as JSONB). */
export function auditFromRow(row: Record<string, unknown>): AuditEvent {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    type: String(row.type),
    requestId: row.request_id === null ? null : String(row.request_id),
    data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>,
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
    keyId: row.key_id == null ? null : String(row.key_id),
    mac: row.mac == null ? null : String(row.mac),
  };
}

/** The head checkpoint row (`audit_head`), if there is one. */
export const headFromRow = (row: Record<string, unknown> | undefined): Checkpoint | undefined =>
  row && { seq: Number(row.seq), hash: String(row.hash), keyId: String(row.key_id), mac: String(row.mac) };

/** An event's values in the order of both stores' INSERT INTO audit. */
export const auditValues = (e: AuditEvent): unknown[] => [
  e.seq,
  e.at,
  e.type,
  e.requestId,
  JSON.stringify(e.data),
  e.prevHash,
  e.hash,
  e.keyId,
  e.mac,
];

/** A vote row, as either store returns it (SQLite holds teams as text, PostgreSQL as JSONB). */
export function voteFromRow(row: Record<string, unknown>): StoredVote {
  return {
    requestId: String(row.request_id),
    voterId: Number(row.voter_id),
    voterLogin: String(row.voter_login),
    decision: row.decision as StoredVote['decision'],
    at: Number(row.at),
    teams: (typeof row.teams === 'string' ? JSON.parse(row.teams) : row.teams) as string[],
    ...(row.delivery != null && { delivery: String(row.delivery) }),
    ...(row.comment != null && { comment: String(row.comment) }),
  };
}

/**
 * The rows `approved_heads` keeps for an approved request: one per governing policy, with the
 * request's commit (none for another status, or without a commit). Written with the save.
 */
export function approvedHeads(r: StoredRequest): [string, string, string, string, string, number][] {
  if (r.status !== 'approved' || !r.claims.sha) return [];
  const at = r.decidedAt ?? r.createdAt;
  return r.decision.policies.map((policy) => [
    r.claims.repository_id,
    r.action,
    r.claims.environment ?? '',
    policy,
    r.claims.sha,
    at,
  ]);
}

/**
 * Whether a save records the request's decision (its `decision` audit event): only then are its
 * `approved_heads` written, not again with every later save of an approved request (a mint, a revocation).
 */
export const decides = (audit: readonly { type: string }[]): boolean =>
  audit.some((e) => e.type === 'decision');

/** The upsert of one `approved_heads` row: a later approval replaces an earlier one, never the reverse. */
export const approvedHeadSql = (param: (n: number) => string): string =>
  `INSERT INTO approved_heads (repository_id, action, environment, policy, sha, at)
     VALUES (${[1, 2, 3, 4, 5, 6].map(param).join(', ')})
     ON CONFLICT (repository_id, action, environment, policy) DO UPDATE SET sha = excluded.sha, at = excluded.at
       WHERE excluded.at >= approved_heads.at`;
