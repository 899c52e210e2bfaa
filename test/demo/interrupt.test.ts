// Ctrl-C in the terminal running `npm run demo` stops it cleanly: the waiting job is cancelled,
// and the demo's data directory (the app's SQLite file) is gone, as are its servers.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers/cli.ts';

describe('npm run demo', () => {
  it('Ctrl-C (SIGINT to the launcher and the demo, as a terminal sends it) removes its temporary directory', async () => {
    // Its own process group, as a terminal's foreground job: the signal goes to every process in it.
    const child = spawn(process.execPath, [join(root, 'scripts/launch.js'), 'demo'], {
      cwd: root,
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => /job \| Waiting for/.test(out) && resolve());
      void exited.then(() => reject(new Error(`the demo ended before its job waited:\n${out}`)));
    });
    const dataDir = / · data (\S+)/.exec(out)![1]!;
    expect(existsSync(dataDir)).toBe(true);
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toEqual({ code: 130, signal: null });
    expect(out).toContain('Stopped (Ctrl-C): the demo removed its temporary files.');
    expect(out).toContain('job | Received SIGTERM: cancelling request req_');
    expect(existsSync(dataDir)).toBe(false);
    expect(out).not.toMatch(/\n\s+at /);
  }, 60_000);
});
