import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as NodeSqlite from 'node:sqlite';
import { auditFromRow, headFromRow } from '../store/rows.ts';
import type { AuditLog } from '../audit/verify-log.ts';

// Asked for when this module loads, not imported: a bundle (the release's single-file CLI) would
// hoist `import … from 'node:sqlite'` to its top, and Node 20, which has no node:sqlite, would
// refuse to load the whole CLI. Loading this module is what fails there (audit.ts says why).
const sqlite = process.getBuiltinModule?.('node:sqlite') as typeof NodeSqlite | undefined;
if (!sqlite) throw new Error('node:sqlite is not available');
const { DatabaseSync } = sqlite;

type Row = Record<string, unknown>;

/**
 * The audit log of the SQLite store in `dataDir`, read-only and as one snapshot (the app may be
 * running); undefined where there is none. Nothing is migrated or written.
 */
export function readSqliteLog(dataDir: string): AuditLog | undefined {
  const path = join(dataDir, 'jit-approvals.sqlite');
  if (!existsSync(path)) return undefined;
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    db.exec('BEGIN');
    try {
      const tables = new Set(
        (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Row[]).map((r) => r.name),
      );
      if (!tables.has('audit')) return undefined;
      return {
        events: (db.prepare('SELECT * FROM audit ORDER BY seq').all() as Row[]).map(auditFromRow),
        head: tables.has('audit_head')
          ? headFromRow(db.prepare('SELECT * FROM audit_head WHERE id = 1').get() as Row | undefined)
          : undefined,
      };
    } finally {
      db.exec('COMMIT');
    }
  } finally {
    db.close();
  }
}
