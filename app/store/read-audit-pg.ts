import { auditFromRow, headFromRow } from '../store/rows.ts';
import type { AuditLog } from '../audit/verify-log.ts';

type Row = Record<string, unknown>;

/**
 * The audit log in PostgreSQL schema `schema`, in one read-only snapshot (the app may be
 * running); undefined where there is none. Nothing is migrated or written. `pg` is loaded here
 * only, so the CLI's other commands never need it.
 */
export async function readPgLog(url: string, schema: string): Promise<AuditLog | undefined> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: url,
    options: `-c search_path=${schema}`,
    application_name: 'jit-approvals audit',
  });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const tables = (
      await client.query("SELECT to_regclass('audit') AS audit, to_regclass('audit_head') AS head")
    ).rows[0] as Row;
    if (!tables.audit) return undefined;
    return {
      events: (await client.query('SELECT * FROM audit ORDER BY seq')).rows.map(auditFromRow),
      head: tables.head
        ? headFromRow(
            (await client.query('SELECT * FROM audit_head WHERE id = 1')).rows[0] as Row | undefined,
          )
        : undefined,
    };
  } finally {
    await client.end();
  }
}
