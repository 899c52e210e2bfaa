// `npm start` is two processes: scripts/launch.js, and the app it starts. A process manager may
// signal either one (or a terminal both at once, with Ctrl-C), or kill the launcher outright:
// whichever way, the app stops cleanly, and its port and DATA_DIR's lock are free for the next one.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../helpers/cli.ts';
import { AppHarness, PUBLIC_URL, WEBHOOK_SECRET, freePort } from './harness.ts';

const h = new AppHarness();
/** Every app process started here: a failed test must not leave one behind. */
const apps: number[] = [];
beforeAll(() => h.start({}, { app: false }));
afterAll(async () => {
  for (const pid of apps) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
  await h.stop();
});

interface Started {
  launcher: ChildProcess;
  /** The app's process id, from its first log line. */
  app: number;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  out: () => string;
}

/**
 * `npm start` as npm runs it (the launcher, in a directory holding .env) on DATA_DIR `dataDir`;
 * `viaShell`: under the shell npm runs scripts with (`sh -c`), which passes no signal on.
 */
async function npmStart(dataDir: string, { viaShell = false } = {}): Promise<Started> {
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'stop-')));
  const port = await freePort();
  const settings = {
    APP_ID: String(h.sim.world.app.id),
    PRIVATE_KEY: h.sim.world.app.privateKey.replaceAll('\n', '\\n'),
    WEBHOOK_SECRET,
    PUBLIC_URL,
    OIDC_ISSUER: h.oidc.issuer,
    GITHUB_API_URL: h.sim.url,
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_FORMAT: 'json',
  };
  writeFileSync(
    join(cwd, '.env'),
    Object.entries(settings)
      .map(([k, v]) => `${k}="${v}"\n`)
      .join(''),
  );
  const argv = [process.execPath, join(root, 'scripts/launch.js'), 'start'];
  const [command, ...args] = viaShell ? ['sh', '-c', argv.map((a) => `'${a}'`).join(' ')] : argv;
  const launcher = spawn(command!, args, {
    cwd,
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  launcher.stdout.on('data', (c: Buffer) => (out += c.toString()));
  launcher.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    launcher.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    launcher.stdout.on('data', () => /Listening on/.test(out) && resolve());
    void exited.then(() => reject(new Error(`npm start exited before listening:\n${out}`)));
  });
  const app = (JSON.parse(out.split('\n')[0]!) as { pid: number }).pid;
  apps.push(app);
  expect(app).not.toBe(launcher.pid);
  return { launcher, app, port, exited, out: () => out };
}

/** Resolves once process `pid` is gone (signal 0 finds none). */
async function gone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setImmediate(r));
  }
}

/** Whether something can listen on `port` again. */
const free = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** After `stopIt`, the app is gone, its port is free, and another app takes its DATA_DIR. */
async function stopsCleanly(stopIt: (s: Started) => void, launcherExit: { code: number | null }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'stop-data-'));
  const started = await npmStart(dataDir);
  stopIt(started);
  await gone(started.app);
  expect(await started.exited).toMatchObject(launcherExit);
  expect(started.out()).not.toMatch(/\n\s+at /);
  expect(await free(started.port)).toBe(true);
  const next = await npmStart(dataDir); // DATA_DIR's lock was released
  next.launcher.kill('SIGTERM');
  expect(await next.exited).toEqual({ code: 0, signal: null });
  return started;
}

describe('npm start stops cleanly', () => {
  it('on SIGTERM to the launcher (a process manager signals the process it started)', async () => {
    const s = await stopsCleanly((s) => s.launcher.kill('SIGTERM'), { code: 0 });
    expect(s.out()).toContain('"msg":"stopping (SIGTERM)"');
  });

  it('on SIGTERM to the app itself', async () => {
    await stopsCleanly((s) => process.kill(s.app, 'SIGTERM'), { code: 0 });
  });

  it('on SIGINT to both at once, as Ctrl-C in a terminal sends it: the second does not cut the first short', async () => {
    const s = await stopsCleanly(
      (s) => {
        process.kill(s.app, 'SIGINT');
        s.launcher.kill('SIGINT');
      },
      { code: 0 },
    );
    expect(s.out().match(/"msg":"stopping/g)).toHaveLength(1);
  });

  it('on SIGTERM to npm, whose shell dies without passing it on: the orphaned launcher stops the app', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stop-data-'));
    const started = await npmStart(dataDir, { viaShell: true });
    started.launcher.kill('SIGTERM'); // npm signals its child, the shell, which ends alone
    await gone(started.app);
    expect(started.out()).toContain('"msg":"stopping (SIGTERM)"');
    expect(await free(started.port)).toBe(true);
    const next = await npmStart(dataDir); // DATA_DIR's lock was released
    next.launcher.kill('SIGTERM');
    expect(await next.exited).toEqual({ code: 0, signal: null });
  });

  it('when the launcher is killed outright (SIGKILL): the app does not stay behind', async () => {
    const s = await stopsCleanly((s) => s.launcher.kill('SIGKILL'), { code: null });
    expect(await s.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
