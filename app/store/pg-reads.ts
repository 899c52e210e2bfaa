import type pg from 'pg';
import { auditFromRow, requestFromBody, voteFromRow } from './rows.ts';
import type { AuditEvent } from '../audit/event.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { StoredVote } from '../domain/vote.ts';

type Row = Record<string, unknown>;
export const requestFromPgRow = (row: Row | undefined): StoredRequest | undefined =>
  row ? requestFromBody(row.body as Record<string, unknown>, Number(row.version)) : undefined;

/**
 * What the PostgreSQL store reads without writing: requests, votes and the audit log, one query
 * each. `PgStore` adds the writes and the connections (`query`).
 */
export abstract class PgReads {
  protected abstract query(text: string, values?: unknown[]): Promise<pg.QueryResult>;

  async #requests(text: string, values?: unknown[]): Promise<StoredRequest[]> {
    return (await this.query(text, values)).rows.map((r: Row) => requestFromPgRow(r)!);
  }

  async getRequest(id: string): Promise<StoredRequest | undefined> {
    return requestFromPgRow((await this.query('SELECT * FROM requests WHERE id = $1', [id])).rows[0]);
  }

  async findByCheckRun(checkRunId: number): Promise<StoredRequest | undefined> {
    return requestFromPgRow(
      (await this.query('SELECT * FROM requests WHERE check_run_id = $1', [checkRunId])).rows[0],
    );
  }

  async votes(requestId: string): Promise<StoredVote[]> {
    const { rows } = await this.query('SELECT * FROM votes WHERE request_id = $1 ORDER BY seq', [requestId]);
    return rows.map(voteFromRow);
  }

  async pendingRequests(dueBy?: number): Promise<StoredRequest[]> {
    return dueBy === undefined
      ? this.#requests("SELECT * FROM requests WHERE status = 'pending'")
      : this.#requests("SELECT * FROM requests WHERE status = 'pending' AND expires_at <= $1", [dueBy]);
  }

  async countPending(): Promise<number> {
    return Number(
      (await this.query("SELECT COUNT(*) AS n FROM requests WHERE status = 'pending'")).rows[0].n,
    );
  }

  async lastApproved(
    repositoryId: string,
    action: string,
    environment: string,
    policy: string,
  ): Promise<string | null> {
    const { rows } = await this.query(
      'SELECT sha FROM approved_heads WHERE repository_id = $1 AND action = $2 AND environment = $3 AND policy = $4',
      [repositoryId, action, environment, policy],
    );
    return rows[0] ? String(rows[0].sha) : null;
  }

  async awaitingChecks(repositoryId: string, sha: string): Promise<StoredRequest[]> {
    return this.#requests(
      `SELECT * FROM requests WHERE status = 'pending' AND repository_id = $1
         AND body->'claims'->>'sha' = $2 AND jsonb_typeof(body->'decision'->'awaiting') = 'object'`,
      [repositoryId, sha],
    );
  }

  async countWaitingBy(repositoryId: string, accountId: string): Promise<number> {
    const { rows } = await this.query(
      "SELECT COUNT(*) AS n FROM requests WHERE repository_id = $1 AND account_id = $2 AND status = 'pending'",
      [repositoryId, accountId],
    );
    return Number(rows[0].n);
  }

  async unrevokedTokens(dueBy?: number): Promise<StoredRequest[]> {
    return dueBy === undefined
      ? this.#requests('SELECT * FROM requests WHERE token_unrevoked')
      : this.#requests('SELECT * FROM requests WHERE token_unrevoked AND revoke_at <= $1', [dueBy]);
  }

  async requestsOnThread(repositoryId: string, thread: string, limit: number): Promise<StoredRequest[]> {
    // Two indexed lookups (requests_thread, requests_issue_thread), pending requests first.
    return this.#requests(
      `SELECT * FROM requests WHERE id IN (
         SELECT id FROM requests WHERE repository_id = $1 AND thread = $2
         UNION SELECT id FROM requests WHERE repository_id = $1 AND issue_thread = $2)
       ORDER BY status = 'pending' DESC, expires_at DESC LIMIT $3`,
      [repositoryId, thread, limit],
    );
  }

  async requestsForRun(repositoryId: string, runId: string, runAttempt: string): Promise<StoredRequest[]> {
    return this.#requests(
      'SELECT * FROM requests WHERE repository_id = $1 AND run_id = $2 AND run_attempt = $3',
      [repositoryId, runId, runAttempt],
    );
  }

  async decidedRequests(limit: number): Promise<StoredRequest[]> {
    return this.#requests(
      'SELECT * FROM requests WHERE decided_at IS NOT NULL ORDER BY decided_at DESC LIMIT $1',
      [limit],
    );
  }

  async auditEvents(): Promise<AuditEvent[]> {
    const { rows } = await this.query('SELECT * FROM audit ORDER BY seq');
    return rows.map(auditFromRow);
  }

  async auditOf(requestId: string): Promise<AuditEvent[]> {
    const { rows } = await this.query('SELECT * FROM audit WHERE request_id = $1 ORDER BY seq', [requestId]);
    return rows.map(auditFromRow);
  }

  async lastAuditEvent(requestId: string): Promise<AuditEvent | undefined> {
    const { rows } = await this.query('SELECT * FROM audit WHERE request_id = $1 ORDER BY seq DESC LIMIT 1', [
      requestId,
    ]);
    return rows[0] && auditFromRow(rows[0] as Row);
  }
}
