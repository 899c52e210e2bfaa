import type { StatementSync } from 'node:sqlite';
import { auditFromRow, requestFromBody, voteFromRow } from './rows.ts';
import type { AuditEvent } from '../audit/event.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { StoredVote } from '../domain/vote.ts';

type Row = Record<string, unknown>;
export const requestFromSqliteRow = (row: Row | undefined): StoredRequest | undefined =>
  row
    ? requestFromBody(JSON.parse(String(row.body)) as Record<string, unknown>, Number(row.version))
    : undefined;

/** The requests of a thread (indexes requests_thread, requests_issue_thread): pending ones first. */
const THREAD_SQL = `SELECT * FROM requests WHERE id IN (
    SELECT id FROM requests WHERE repository_id = ? AND thread = ?
    UNION SELECT id FROM requests WHERE repository_id = ? AND issue_thread = ?)
  ORDER BY status = 'pending' DESC, expires_at DESC LIMIT ?`;

/**
 * What the SQLite store reads without writing: requests, votes and the audit log, one statement
 * each. `SqliteStore` adds the writes and the file (`sql`: a statement prepared once per text).
 */
export abstract class SqliteReads {
  protected abstract sql(text: string): StatementSync;

  #requests(rows: unknown[]): StoredRequest[] {
    return (rows as Row[]).map((r) => requestFromSqliteRow(r)!);
  }

  async getRequest(id: string): Promise<StoredRequest | undefined> {
    return requestFromSqliteRow(this.sql('SELECT * FROM requests WHERE id = ?').get(id) as Row | undefined);
  }

  async findByCheckRun(checkRunId: number): Promise<StoredRequest | undefined> {
    return requestFromSqliteRow(
      this.sql('SELECT * FROM requests WHERE check_run_id = ?').get(checkRunId) as Row | undefined,
    );
  }

  async votes(requestId: string): Promise<StoredVote[]> {
    const rows = this.sql('SELECT * FROM votes WHERE request_id = ? ORDER BY seq').all(requestId) as Row[];
    return rows.map(voteFromRow);
  }

  async pendingRequests(dueBy?: number): Promise<StoredRequest[]> {
    return this.#requests(
      dueBy === undefined
        ? this.sql("SELECT * FROM requests WHERE status = 'pending'").all()
        : this.sql("SELECT * FROM requests WHERE status = 'pending' AND expires_at <= ?").all(dueBy),
    );
  }

  async countPending(): Promise<number> {
    return Number((this.sql("SELECT COUNT(*) AS n FROM requests WHERE status = 'pending'").get() as Row).n);
  }

  async lastApproved(
    repositoryId: string,
    action: string,
    environment: string,
    policy: string,
  ): Promise<string | null> {
    const row = this.sql(
      'SELECT sha FROM approved_heads WHERE repository_id = ? AND action = ? AND environment = ? AND policy = ?',
    ).get(repositoryId, action, environment, policy) as Row | undefined;
    return row ? String(row.sha) : null;
  }

  async awaitingChecks(repositoryId: string, sha: string): Promise<StoredRequest[]> {
    return this.#awaiting(repositoryId, sha);
  }

  #awaiting(repositoryId: string, sha: string): StoredRequest[] {
    return (
      this.sql(
        `SELECT * FROM requests WHERE status = 'pending' AND repository_id = ?
           AND json_extract(body, '$.claims.sha') = ? AND json_type(body, '$.decision.awaiting') = 'object'`,
      ).all(repositoryId, sha) as Row[]
    ).map((row) => requestFromSqliteRow(row)!);
  }

  async countWaitingBy(repositoryId: string, accountId: string): Promise<number> {
    return Number(
      (
        this.sql(
          "SELECT COUNT(*) AS n FROM requests WHERE repository_id = ? AND account_id = ? AND status = 'pending'",
        ).get(repositoryId, accountId) as Row
      ).n,
    );
  }

  async unrevokedTokens(dueBy?: number): Promise<StoredRequest[]> {
    return this.#requests(
      dueBy === undefined
        ? this.sql('SELECT * FROM requests WHERE token_unrevoked = 1').all()
        : this.sql('SELECT * FROM requests WHERE token_unrevoked = 1 AND revoke_at <= ?').all(dueBy),
    );
  }

  async requestsOnThread(repositoryId: string, thread: string, limit: number): Promise<StoredRequest[]> {
    return this.#requests(this.sql(THREAD_SQL).all(repositoryId, thread, repositoryId, thread, limit));
  }

  async requestsForRun(repositoryId: string, runId: string, runAttempt: string): Promise<StoredRequest[]> {
    return this.#requests(
      this.sql('SELECT * FROM requests WHERE repository_id = ? AND run_id = ? AND run_attempt = ?').all(
        repositoryId,
        runId,
        runAttempt,
      ),
    );
  }

  async decidedRequests(limit: number): Promise<StoredRequest[]> {
    return this.#requests(
      this.sql('SELECT * FROM requests WHERE decided_at IS NOT NULL ORDER BY decided_at DESC LIMIT ?').all(
        limit,
      ),
    );
  }

  async auditOf(requestId: string): Promise<AuditEvent[]> {
    return (this.sql('SELECT * FROM audit WHERE request_id = ? ORDER BY seq').all(requestId) as Row[]).map(
      auditFromRow,
    );
  }

  async lastAuditEvent(requestId: string): Promise<AuditEvent | undefined> {
    const row = this.sql('SELECT * FROM audit WHERE request_id = ? ORDER BY seq DESC LIMIT 1').get(requestId);
    return row && auditFromRow(row as Row);
  }

  async auditEvents(): Promise<AuditEvent[]> {
    return (this.sql('SELECT * FROM audit ORDER BY seq').all() as Row[]).map(auditFromRow);
  }
}
