import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditKeys, eventHash } from '../../app/audit/chain.ts';
import { LOG_BACKENDS, newPrivateKey, type LogPlace } from '../helpers/audit-log.ts';
import { root, runCliWith } from '../helpers/cli.ts';

const KEY = newPrivateKey();
const OTHER = newPrivateKey();
const ENV = { PRIVATE_KEY: KEY };

/** Rewrites event `seq` and recomputes every later hash with plain SHA-256, as anyone could. */
async function rewriteWithoutKey(place: LogPlace, seq: number, data: Record<string, unknown>): Promise<void> {
  const store = await place.open();
  const events = await store.auditEvents();
  await store.close();
  let prev = events[seq - 2]?.hash ?? '0'.repeat(64);
  for (const e of events.slice(seq - 1)) {
    const changed = { ...e, data: e.seq === seq ? data : e.data, prevHash: prev };
    const hash = eventHash(changed);
    await place.sql(
      `UPDATE audit SET data = '${JSON.stringify(changed.data)}', prev_hash = '${prev}', hash = '${hash}' WHERE seq = ${e.seq}`,
    );
    prev = hash;
  }
}

async function saveCheckpoint(place: LogPlace): Promise<string> {
  const r = await runCliWith(ENV, 'audit', 'checkpoint', ...place.args);
  expect(r.code).toBe(0);
  const file = join(mkdtempSync(join(tmpdir(), 'jit-checkpoint-')), 'head.json');
  writeFileSync(file, r.stdout);
  return file;
}

describe.each(LOG_BACKENDS)('jit-approvals audit on $name', (backend) => {
  async function logWith(types: string[], key = KEY): Promise<LogPlace> {
    const place = backend.place();
    const store = await place.open({ auditKeys: auditKeys(key) });
    for (const t of types) await store.appendAudit(t, 'req_1', { t }, 1_000);
    await store.close();
    return place;
  }
  const verify = (place: LogPlace, ...more: string[]) =>
    runCliWith(ENV, 'audit', 'verify', ...place.args, ...more);

  it('verify reports an intact chain (exit 0)', async () => {
    const r = await verify(await logWith(['request', 'vote', 'decision']));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^audit log intact: 3 events, chain verified/);
  });

  it('a changed event is reported at that event (exit 1)', async () => {
    const place = await logWith(['request', 'vote', 'decision']);
    await place.sql(`UPDATE audit SET type = 'approved' WHERE seq = 2`);
    expect(await verify(place)).toMatchObject({
      code: 1,
      stdout: 'audit log BROKEN at event 2: its content does not match its hash (the event was changed)',
    });
  });

  it('a changed event whose later hashes were all recomputed is reported at that event: rewriting needs the key', async () => {
    const place = await logWith(['request', 'vote', 'decision']);
    await rewriteWithoutKey(place, 2, { t: 'approved by mallory' });
    const r = await verify(place);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit log BROKEN at event 2: its MAC does not match/);
  });

  it('a deleted last event is reported', async () => {
    const place = await logWith(['request', 'vote', 'decision']);
    await place.sql('DELETE FROM audit WHERE seq = 3');
    const r = await verify(place);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit log BROKEN at event 3: .*event 3 .*removed/);
  });

  it('a cut tail is reported from its first missing event', async () => {
    const place = await logWith(['request', 'vote', 'decision', 'token_granted']);
    await place.sql('DELETE FROM audit WHERE seq >= 2');
    const r = await verify(place);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit log BROKEN at event 2: .*events 2 to 4 .*removed/);
  });

  it('a log with every event deleted is reported', async () => {
    const place = await logWith(['request', 'vote', 'decision']);
    await place.sql('DELETE FROM audit');
    const r = await verify(place);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit log BROKEN at event 1: .*events 1 to 3 .*removed/);
  });

  it('an event removed from the middle is reported at the missing event', async () => {
    const place = await logWith(['request', 'vote', 'decision']);
    await place.sql('DELETE FROM audit WHERE seq = 2');
    const r = await verify(place);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit log BROKEN at event 2: /);
  });

  it('a tail cut with its head checkpoint is recorded by the next event the app writes', async () => {
    const place = await logWith(['request', 'vote', 'decision']);
    await place.sql('DELETE FROM audit WHERE seq = 3');
    await place.sql('DELETE FROM audit_head');
    expect((await verify(place)).stdout).toMatch(/^audit log BROKEN: the head checkpoint is missing/);
    const store = await place.open({ auditKeys: auditKeys(KEY) });
    await store.appendAudit('request', 'req_2', {}, 2_000);
    await store.close();
    const r = await verify(place);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit log BROKEN at event 3: the app found the head checkpoint missing/);
  });

  it('everything deleted, the head checkpoint too: told by a checkpoint kept elsewhere', async () => {
    const place = await logWith(['request', 'vote', 'decision']);
    const checkpoint = await saveCheckpoint(place);
    await place.sql('DELETE FROM audit');
    await place.sql('DELETE FROM audit_head');
    expect((await verify(place)).code).toBe(1); // no head checkpoint at all
    const store = await place.open({ auditKeys: auditKeys(KEY) }); // the app starts again: a new, empty log
    await store.close();
    expect((await verify(place)).stdout).toMatch(/^audit log intact: 0 events/);
    const r = await verify(place, '--checkpoint', checkpoint);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit log BROKEN at event 1: .*checkpoint.*events 1 to 3/);
  });

  it('a log cut back to a saved earlier head and continued is told only by a checkpoint kept elsewhere', async () => {
    const place = await logWith(['request']);
    const [earlierHead] = await place.sql('SELECT seq, hash, key_id, mac FROM audit_head');
    let store = await place.open({ auditKeys: auditKeys(KEY) });
    for (const t of ['vote', 'decision']) await store.appendAudit(t, 'req_1', { t }, 1_000);
    await store.close();
    const checkpoint = await saveCheckpoint(place);
    // Someone with the database (not the key) puts back the head they saved, and the app goes on.
    const h = earlierHead!;
    await place.sql('DELETE FROM audit WHERE seq >= 2');
    await place.sql(
      `UPDATE audit_head SET seq = ${Number(h.seq)}, hash = '${String(h.hash)}', key_id = '${String(h.key_id)}', mac = '${String(h.mac)}'`,
    );
    store = await place.open({ auditKeys: auditKeys(KEY) });
    for (const t of ['vote', 'cancelled']) await store.appendAudit(t, 'req_1', { t }, 1_000);
    await store.close();
    expect((await verify(place)).code).toBe(0);
    const r = await verify(place, '--checkpoint', checkpoint);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit log BROKEN at event 3: it differs from the checkpoint/);
  });

  it('verify needs the private key, and says how to give it', async () => {
    const r = await runCliWith({}, 'audit', 'verify', ...(await logWith(['request'])).args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PRIVATE_KEY/);
    expect(r.stderr).toMatch(/fix: .*PRIVATE_KEY_PATH/);
  });

  it('verify under another key names the key the events need', async () => {
    const r = await runCliWith(
      { PRIVATE_KEY: OTHER },
      'audit',
      'verify',
      ...(await logWith(['request'])).args,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit log BROKEN at event 1: .*key [0-9a-f]{16}.*PREVIOUS_PRIVATE_KEY/);
  });

  it('after a key rotation, verifies with the previous key as well', async () => {
    const place = await logWith(['request', 'vote']);
    const store = await place.open({ auditKeys: auditKeys(OTHER, [KEY]) });
    await store.appendAudit('decision', 'req_1', {}, 2_000);
    await store.close();
    const both = { PRIVATE_KEY: OTHER, PREVIOUS_PRIVATE_KEY: KEY };
    const r = await runCliWith(both, 'audit', 'verify', ...place.args);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/^audit log intact: 3 events, chain verified/);
    expect((await runCliWith({ PRIVATE_KEY: OTHER }, 'audit', 'verify', ...place.args)).stdout).toMatch(
      /^audit log BROKEN at event 1: /,
    );
    // Keys of rotations before the previous one are given as files.
    const dir = mkdtempSync(join(tmpdir(), 'jit-keys-'));
    writeFileSync(join(dir, 'oldest.pem'), KEY);
    const withFile = await runCliWith(
      { PRIVATE_KEY: OTHER },
      'audit',
      'verify',
      ...place.args,
      '--previous-key',
      join(dir, 'oldest.pem'),
    );
    expect(withFile.stdout).toMatch(/^audit log intact: 3 events/);
  });

  it('a log written before keyed chains is not vouched for until the app seals it under its key', async () => {
    const place = backend.place();
    await (await place.open()).close(); // the tables, without keys: as an older version left them
    let prev = '0'.repeat(64);
    for (const seq of [1, 2]) {
      const e = { seq, at: 1_000, type: 'request', requestId: null, data: {}, prevHash: prev };
      const hash = eventHash(e);
      await place.sql(
        `INSERT INTO audit (seq, at, type, request_id, data, prev_hash, hash) VALUES (${seq}, 1000, 'request', NULL, '{}', '${prev}', '${hash}')`,
      );
      prev = hash;
    }
    const before = await verify(place);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/^audit log NOT VERIFIED: events 1 to 2 were written before/);
    await (await place.open({ auditKeys: auditKeys(KEY) })).close();
    const after = await verify(place);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/^audit log intact: 3 events, chain verified.*events 1 to 2 predate/);
  });

  it('export prints JSON lines, without needing the key', async () => {
    const place = await logWith(['request', 'decision']);
    const lines = (await runCliWith({}, 'audit', 'export', ...place.args)).stdout
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => [e.seq, e.type])).toEqual([
      [1, 'request'],
      [2, 'decision'],
    ]);
    expect(lines[1].prevHash).toBe(lines[0].hash);
    expect(lines[1].mac).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('jit-approvals audit', () => {
  it('a directory without a log is a usage error', async () => {
    const r = await runCliWith(
      ENV,
      'audit',
      'verify',
      '--data-dir',
      mkdtempSync(join(tmpdir(), 'jit-empty-')),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no audit log');
  });

  it('a PostgreSQL schema without a log is a usage error', async () => {
    const [, pgBackend] = LOG_BACKENDS;
    const r = await runCliWith(ENV, 'audit', 'verify', ...pgBackend!.place().args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no audit log');
  });

  it('reads SQLite without loading pg', async () => {
    const [sqlite] = LOG_BACKENDS;
    const place = sqlite!.place();
    const store = await place.open({ auditKeys: auditKeys(KEY) });
    await store.appendAudit('request', null, {}, 1);
    await store.close();
    const script = `
      import { registerHooks } from 'node:module';
      registerHooks({
        resolve(specifier, context, next) {
          if (specifier === 'pg' || specifier.startsWith('pg/')) throw new Error('pg was loaded');
          return next(specifier, context);
        },
      });
      const { main } = await import('./app/cli/main.ts');
      process.exitCode = await main(${JSON.stringify(['audit', 'verify', ...place.args])});`;
    const r = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      cwd: root,
      env: { PATH: process.env.PATH, PRIVATE_KEY: KEY },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^audit log intact: 1 events/);
    expect(r.status).toBe(0);
  });
});
