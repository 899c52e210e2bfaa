// The SQLite file and DATA_DIR going wrong: a second process on the same file, the file removed
// (written back) or replaced (refused) under a running app, and a DATA_DIR the app cannot write.
import { chmodSync, copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../app/audit/chain.ts';
import { SqliteStore } from '../../app/store/sqlite-store.ts';
import { AppHarness } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

let h: AppHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function readyz(url: string): Promise<{ status: number; message: string }> {
  const res = await fetch(`${url}/readyz`);
  const body = (await res.json()) as { error?: { message: string } };
  return { status: res.status, message: body.error?.message ?? '' };
}

describe('two processes on one SQLite file', () => {
  it('the second is refused, naming DATA_DIR; a SIGKILLed first does not block a restart', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY }, { app: false });
    const first = await h.startAppProcess();
    await expect(h.startAppProcess()).rejects.toThrow(
      /DATA_DIR: .* is in use by another jit-approvals process/,
    );
    await h.killAppProcess(first);
    await h.startAppProcess();
    expect((await readyz(h.url)).status).toBe(200);
  });
});

describe('the database file under a running app', () => {
  it('removed: written back from the open database at the next write or /readyz; after a restart every request is still there', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const first = await h.request(await h.step({ runId: 1 }));
    expect(first.status).toBe(201);
    const file = join(h.dataDir, 'jit-approvals.sqlite');
    rmSync(file);
    rmSync(join(h.dataDir, 'jit-approvals.lock'));
    expect(existsSync(file)).toBe(false);
    expect((await readyz(h.url)).status).toBe(200);
    expect(existsSync(file)).toBe(true);
    expect(h.logs.join('')).toMatch(
      /jit-approvals\.sqlite and .*jit-approvals\.lock were removed while the app was running; written back/,
    );
    const second = await h.request(await h.step({ runId: 2 }));
    expect(second.status).toBe(201);
    rmSync(file); // again, with a write next rather than /readyz
    const third = await h.request(await h.step({ runId: 3 }));
    expect(third.status).toBe(201);
    const port = Number(new URL(h.url).port);
    await h.stopApp();
    await h.startApp(port);
    for (const r of [first, second, third])
      expect((await h.runtime.store.getRequest(r.body.id))!.status).toBe('pending');
    expect(verifyChain(await h.runtime.store.auditEvents())).toMatchObject({ ok: true });
  });

  it('replaced by another file: pings and writes fail as unavailable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jit-store-'));
    const store = new SqliteStore(dir);
    try {
      const file = join(dir, 'jit-approvals.sqlite');
      copyFileSync(file, `${file}.restored`);
      renameSync(`${file}.restored`, file); // a backup restored over the live file
      const replaced = { code: 'unavailable', message: expect.stringMatching(/was replaced/) };
      await expect(store.ping()).rejects.toMatchObject(replaced);
      await expect(
        store.journal.beginDelivery({ id: 'd-1', input: {}, at: 1, retryAt: 1 }),
      ).rejects.toMatchObject(replaced);
    } finally {
      await store.close();
    }
  });
});

describe('a DATA_DIR the app cannot write', () => {
  it('an empty one: the app refuses to start, naming DATA_DIR and the cause', async () => {
    h = new AppHarness();
    chmodSync(h.dataDir, 0o555);
    await h.start({ 'p.yml': POLICY }, { app: false });
    await expect(h.startAppProcess(undefined, { honourFileModes: true })).rejects.toThrow(
      /DATA_DIR: .* is not writable \(EACCES/,
    );
  });

  it('one holding a database file the app cannot write: it refuses to start, not 500 on every write', async () => {
    h = new AppHarness();
    await new SqliteStore(h.dataDir).close(); // made earlier, by another user
    chmodSync(join(h.dataDir, 'jit-approvals.sqlite'), 0o444);
    await h.start({ 'p.yml': POLICY }, { app: false });
    await expect(h.startAppProcess(undefined, { honourFileModes: true })).rejects.toThrow(
      /DATA_DIR: .*jit-approvals\.sqlite is not writable/,
    );
  });
});
