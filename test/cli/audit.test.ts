import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../app/store/sqlite-store.ts';
import { runCli } from '../helpers/cli.ts';

async function logWith(types: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'jit-audit-'));
  const store = new SqliteStore(dir);
  for (const t of types) await store.appendAudit(t, 'req_1', { t }, 1_000);
  await store.close();
  return dir;
}

describe('jit-approvals audit', () => {
  it('verify reports an intact chain (exit 0)', async () => {
    const dir = await logWith(['request', 'vote', 'decision']);
    expect(await runCli('audit', 'verify', '--data-dir', dir)).toMatchObject({
      code: 0,
      stdout: 'audit log intact: 3 events, chain verified',
    });
  });

  it('verify reports the first broken link (exit 1)', async () => {
    const dir = await logWith(['request', 'vote', 'decision']);
    new DatabaseSync(join(dir, 'jit-approvals.sqlite')).exec(
      `UPDATE audit SET type = 'approved' WHERE seq = 2`,
    );
    const r = await runCli('audit', 'verify', '--data-dir', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      'audit log BROKEN at event 2: its content does not match its hash (the event was changed)',
    );
  });

  it('export prints JSON lines', async () => {
    const dir = await logWith(['request', 'decision']);
    const lines = (await runCli('audit', 'export', '--data-dir', dir)).stdout
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => [e.seq, e.type])).toEqual([
      [1, 'request'],
      [2, 'decision'],
    ]);
    expect(lines[1].prevHash).toBe(lines[0].hash);
  });

  it('a directory without a log is a usage error', async () => {
    const r = await runCli('audit', 'verify', '--data-dir', mkdtempSync(join(tmpdir(), 'jit-empty-')));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no audit log');
  });
});
