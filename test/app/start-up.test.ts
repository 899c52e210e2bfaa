// Starting the app as an operator does: `npm start` reads .env, and a wrong setting stops the app
// with one line naming it and the fix, never a stack trace.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../helpers/cli.ts';
import { AppHarness, PUBLIC_URL, WEBHOOK_SECRET, freePort } from './harness.ts';

const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();
const SETTINGS = { APP_ID: '1', PRIVATE_KEY: PEM, WEBHOOK_SECRET, PUBLIC_URL, PORT: '0', LOG_FORMAT: 'json' };

interface Started {
  /** Exit code, or null when it was listening (and was then stopped). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node args` in `cwd` until it listens (then stops it with SIGTERM) or exits. */
function start(args: string[], env: Record<string, string>, cwd = root): Promise<Started> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let listened = false;
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (!listened && /Listening on/.test(stdout)) {
      listened = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code: listened ? null : code, stdout, stderr })),
  );
}

/** `app/main.ts` as the harness runs it (`npm start` runs its build). */
const startApp = (env: Record<string, string>) =>
  start(['--experimental-strip-types', '--no-warnings', 'app/main.ts'], {
    ...SETTINGS,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'start-up-')),
    ...env,
  });

const STACK = /\n\s+at /;
/** A file where DATA_DIR wants a directory. */
const A_FILE = join(mkdtempSync(join(tmpdir(), 'start-up-')), 'a-file');
writeFileSync(A_FILE, 'a file, not a directory');

describe('a setting the app cannot use stops it with one line naming it', () => {
  it.each([
    [
      'DATABASE_URL',
      { DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/test' },
      /Start PostgreSQL there/,
    ],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://no_such_role@127.0.0.1:5432/test' }, /user and password/],
    ['DATA_DIR', { DATA_DIR: join(A_FILE, 'data') }, /cannot create .*\(ENOTDIR\)/],
    ['DATA_DIR', { DATA_DIR: A_FILE }, /a-file is a file, not a directory\. Point DATA_DIR at a directory/],
    ['GHE_HOST', { GHE_HOST: 'https://ghe.example.com' }, /Give the host only/],
    ['GHE_PROTOCOL', { GHE_HOST: 'ghe.example.com', GHE_PROTOCOL: 'ftp' }, /https or http/],
    [
      'NOTIFY_TARGETS',
      { NOTIFY_TARGETS: '{"sre-chat": {"url": "https://chat.example/x", "format": "slack"}}' },
      /target "sre-chat" lists no owners\. Add "owners": \[/,
    ],
  ])('%s (%j)', async (name, env, fix) => {
    const r = await startApp(env);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^jit-approvals: configuration error: ${name}: `));
    expect(r.stderr).toMatch(fix);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('a DATA_DIR whose audit log another key wrote names PRIVATE_KEY and the way out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'start-up-'));
    expect((await startApp({ DATA_DIR: dir })).code).toBeNull(); // it listened, under PEM
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const r = await startApp({ DATA_DIR: dir, PRIVATE_KEY: other });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^jit-approvals: configuration error: PRIVATE_KEY: .*PREVIOUS_PRIVATE_KEY_PATH/);
  });

  it('a port in use names PORT', async () => {
    const port = await freePort();
    const holder = spawn(process.execPath, [
      '-e',
      `require("net").createServer().listen(${port}, "127.0.0.1", () => console.log("up"))`,
    ]);
    await new Promise((r) => holder.stdout.once('data', r));
    try {
      const r = await startApp({ PORT: String(port) });
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stderr).toMatch(
        /^jit-approvals: configuration error: PORT: 127\.0\.0\.1:\d+ is already in use/,
      );
    } finally {
      holder.kill();
    }
  });
});

describe('npm start reads .env from its working directory', () => {
  const h = new AppHarness();
  afterAll(() => h.stop());
  /** `npm start` as npm runs it: the launcher, in the directory that holds .env. */
  const npmStart = (cwd: string) => start([join(root, 'scripts/launch.js'), 'start'], {}, cwd);

  it('and a wrong value there is named, with the file', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'dotenv-')));
    const lines = Object.entries({
      ...SETTINGS,
      PRIVATE_KEY: PEM.replaceAll('\n', '\\n'),
      LOG_LEVEL: 'loud',
    });
    writeFileSync(join(dir, '.env'), lines.map(([k, v]) => `${k}=${v}`).join('\n'));
    const r = await npmStart(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).toMatch(/^jit-approvals: configuration error: LOG_LEVEL: "loud" is not a level/);
    expect(r.stderr).toContain(`Settings came from the environment and ${join(dir, '.env')}`);
  });

  it('and with valid values the app serves the simulated GitHub, saying which file it read', async () => {
    await h.start(
      {
        'p.yml':
          'version: 1\npolicies:\n  - name: prod\n    match: { action: ["deploy-*"] }\n    approvers: { users: [alice] }\n',
      },
      { app: false },
    );
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'dotenv-')));
    writeFileSync(join(dir, 'key.pem'), h.sim.world.app.privateKey);
    const port = await freePort();
    const settings = {
      APP_ID: String(h.sim.world.app.id),
      PRIVATE_KEY_PATH: './key.pem',
      WEBHOOK_SECRET,
      PUBLIC_URL,
      OIDC_ISSUER: h.oidc.issuer,
      GITHUB_API_URL: h.sim.url,
      PORT: String(port),
      LOG_FORMAT: 'json',
    };
    writeFileSync(
      join(dir, '.env'),
      `# the app's settings\n${Object.entries(settings)
        .map(([k, v]) => `${k}="${v}"`)
        .join('\n')}\n`,
    );
    const child = spawn(process.execPath, [join(root, 'scripts/launch.js'), 'start'], {
      cwd: dir,
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (/Listening on/.test(out)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    try {
      const logs = out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string });
      expect(logs[0]!.msg).toBe(
        `settings came from the environment and ${join(dir, '.env')} (the environment wins)`,
      );
      // One line says what the app runs on, once it listens.
      const started = await new Promise<string>((resolve) => {
        const look = () => /"msg":"(started: [^"]*)"/.exec(out)?.[1];
        if (look()) return resolve(look()!);
        child.stdout.on('data', () => look() && resolve(look()!));
      });
      expect(started).toBe(
        `started: store SQLite in ${join(dir, 'data')}, public URL ${PUBLIC_URL}, sign-in not configured (the approval page says so), mandatory organization policies: none`,
      );
      h.url = `http://127.0.0.1:${port}`;
      const r = await h.request(await h.step());
      expect(r.status).toBe(201);
      expect(r.body.status).toBe('pending');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
