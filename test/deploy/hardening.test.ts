// What a reviewer of the deployment files would flag: secrets a commit could take along, /metrics
// on the public side, a systemd unit without the hardening `systemd-analyze security` asks for, a
// key path the env file overrides, images pulled by a tag that moves, and settings .env.example
// does not list.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers/cli.ts';

const read = (file: string): string => readFileSync(join(root, file), 'utf8');
const git = (...args: string[]) => promisify(execFile)('git', args, { cwd: root });

describe('secrets stay out of commits', () => {
  it.each(['.env', 'private-key.pem', 'keys/app.pem', '.env.local', '.env.1a2b3c.tmp'])(
    '%s is ignored by git',
    async (file) => {
      const { stdout } = await git('check-ignore', '--no-index', file);
      expect(stdout.trim()).toBe(file);
    },
  );

  it('.env.example is not', async () => {
    await expect(git('check-ignore', '--no-index', '.env.example')).rejects.toMatchObject({ code: 1 });
  });
});

describe('deploy/Caddyfile', () => {
  it('answers /metrics with 404 before anything reaches the app', () => {
    const caddyfile = read('deploy/Caddyfile');
    expect(caddyfile).toMatch(/^\s*@metrics path \/metrics \/metrics\/\*$/m);
    expect(caddyfile).toMatch(/^\s*respond @metrics 404$/m);
    expect(caddyfile.indexOf('respond @metrics 404')).toBeLessThan(caddyfile.indexOf('reverse_proxy'));
  });
});

describe('deploy/jit-approvals.service', () => {
  const unit = read('deploy/jit-approvals.service');

  it.runIf(existsSync('/usr/bin/systemd-analyze'))(
    'closes what `systemd-analyze security` flags, besides what Node and a network service need',
    async () => {
      const { stdout } = await promisify(execFile)('systemd-analyze', [
        'security',
        '--offline=yes',
        '--no-pager',
        join(root, 'deploy/jit-approvals.service'),
      ]);
      const flagged = stdout
        .split('\n')
        .filter((l) => l.startsWith('✗'))
        .map((l) => l.slice(2).split(/\s+/)[0]);
      for (const setting of [
        'ProtectClock=',
        'ProtectKernelLogs=',
        'ProtectHostname=',
        'RestrictSUIDSGID=',
        'RestrictRealtime=',
        'ProtectProc=',
        'UMask=',
        'SystemCallFilter=~@clock',
        'SystemCallFilter=~@debug',
        'SystemCallFilter=~@mount',
        'SystemCallFilter=~@module',
        'SystemCallFilter=~@reboot',
        'SystemCallFilter=~@swap',
        'SystemCallFilter=~@raw-io',
      ])
        expect(flagged).not.toContain(setting);
      const exposure = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(stdout)![1]);
      expect(exposure).toBeLessThanOrEqual(2);
    },
  );

  it('has the hardening settings, and its key path is not overridden by an env file from .env.example', () => {
    for (const line of [
      'ProtectClock=yes',
      'ProtectKernelLogs=yes',
      'ProtectHostname=yes',
      'RestrictSUIDSGID=yes',
      'RestrictRealtime=yes',
      'ProtectProc=invisible',
      'SystemCallFilter=@system-service',
      'UMask=0077',
    ])
      expect(unit.split('\n')).toContain(line);
    expect(unit).toMatch(/^Environment=PRIVATE_KEY_PATH=%d\/private-key /m);
    // systemd lets EnvironmentFile= win over Environment=: the example sets no key path.
    const assigned = read('.env.example')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=')[0]);
    expect(assigned).not.toContain('PRIVATE_KEY_PATH');
  });
});

describe('images', () => {
  it('are pulled by digest everywhere: the Dockerfile, compose.yaml and the release workflow', () => {
    const pulled = [
      ...read('Dockerfile').matchAll(/^FROM (\S+)/gm),
      ...read('compose.yaml').matchAll(/^\s+image: (\S+)/gm),
      ...read('.github/workflows/release.yml').matchAll(/^\s+image: (\S+)/gm),
    ]
      .map((m) => m[1]!)
      .filter((i) => !i.startsWith('${{')); // a job output named image
    const fetched = pulled.filter((i) => i !== 'jit-approvals:local'); // compose builds that one
    expect(fetched.length).toBeGreaterThanOrEqual(5);
    for (const image of fetched) expect(image).toMatch(/^[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
  });
});

describe('.env.example', () => {
  it('lists every setting the app reads', () => {
    const sources = ['app/config', 'app/setup']
      .flatMap((dir) => readdirSync(join(root, dir)).map((f) => `${dir}/${f}`))
      .concat(['app/main.ts'])
      .map(read)
      .join('\n');
    // `env.X`, `env['X']`, `count(env, 'X', …)` and the like, and the variables errors name.
    const pattern = /\b(?:env\.|env\[['"]|\(env, ['"]|ConfigError\(\s*['"])([A-Z][A-Z0-9_]+)/g;
    const read_ = new Set([...sources.matchAll(pattern)].map((m) => m[1]!));
    const listed = new Set([...read('.env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    expect(read_.size).toBeGreaterThan(30);
    expect([...read_].filter((name) => !listed.has(name))).toEqual([]);
  });
});
