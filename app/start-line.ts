import { resolve } from 'node:path';
import type { Config } from './config/read-config.ts';

/** A PostgreSQL URL without its password. */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return 'DATABASE_URL';
  }
}

/**
 * The one line the app logs once it listens: where it keeps its state, the URL steps and GitHub
 * reach it at, whether the approval page can sign reviewers in, and which owners' organization
 * policies are mandatory.
 */
export function startLine(config: Config): string {
  const store = config.databaseUrl
    ? `PostgreSQL at ${withoutPassword(config.databaseUrl)} (schema ${config.databaseSchema})`
    : `SQLite in ${resolve(config.dataDir)}`;
  const signIn = config.signIn
    ? 'sign-in with GitHub configured'
    : 'sign-in not configured (the approval page says so)';
  // Mandatory organization policies: when the setting that names their owners exists, name them
  // here (e.g. "mandatory organization policies for acme, globex"); until then there are none.
  const mandatory = 'mandatory organization policies: none';
  return `started: store ${store}, public URL ${config.publicUrl}, ${signIn}, ${mandatory}`;
}
