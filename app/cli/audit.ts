import { verifyChain } from '../audit/chain.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './cli-error.ts';
import type { Io } from './io.ts';

function openStore(dataDir: string): SqliteStore {
  if (!existsSync(join(dataDir, 'jit-approvals.sqlite'))) {
    throw new CliError(
      `no audit log in ${dataDir} (jit-approvals.sqlite is missing)`,
      "give the app's DATA_DIR with --data-dir",
    );
  }
  return new SqliteStore(dataDir);
}

/** `jit-approvals audit verify|export [--data-dir dir]`. verify: 0 intact, 1 broken. */
export async function auditCommand(action: string | undefined, dataDir: string, io: Io): Promise<number> {
  if (action !== 'verify' && action !== 'export')
    throw new CliError(`unknown audit command "${action ?? ''}"`, 'use `audit verify` or `audit export`');
  const store = openStore(dataDir);
  try {
    const events = await store.auditEvents();
    if (action === 'export') {
      for (const e of events) io.stdout(JSON.stringify(e));
      return 0;
    }
    const check = verifyChain(events);
    if (check.ok) {
      io.stdout(`audit log intact: ${check.events} events, chain verified`);
      return 0;
    }
    io.stdout(`audit log BROKEN at event ${check.seq}: ${check.problem}`);
    return 1;
  } finally {
    await store.close();
  }
}
