// The deployment artifacts. No base image can be pulled here, so the app is started exactly as the
// image starts it: the bundle the Dockerfile builds, copied alone to a directory with no
// node_modules anywhere above it, run with the Dockerfile's ENV and CMD, against the simulated
// GitHub; and the Dockerfile is checked to copy exactly those files and run that command. The
// compose file's two instances on PostgreSQL and the systemd unit run the same bundle.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTDIR, bundle } from '../../scripts/bundle.ts';
import { AppHarness, PUBLIC_URL, WEBHOOK_SECRET, freePort } from '../app/harness.ts';
import { root } from '../helpers/cli.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { last, parseDockerfile, stageEnv, type Stage } from '../helpers/dockerfile.ts';

const read = (file: string): string => readFileSync(join(root, file), 'utf8');
const stages = parseDockerfile(read('Dockerfile'));
const build = stages.find((s) => s.name === 'build')!;
const image = stages.at(-1)!;
const workdir = (stage: Stage): string => last(stage, 'WORKDIR')!.args[0]!;
const CMD = last(image, 'CMD')!.args;

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read }, ttl: 15m }
`;

/** The bundle the build stage makes, in a directory of its own: its files, by name. */
let bundled: { dir: string; files: string[] };
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'server-bundle-'));
  bundled = { dir, files: await bundle('server', dir) };
}, 120_000);

describe('the Dockerfile', () => {
  it('builds on the official Node 24 image and runs as a user that is not root', () => {
    // By digest: a tag moves, a digest does not.
    for (const stage of stages) expect(stage.from).toMatch(/^node:24-(alpine|slim)@sha256:[0-9a-f]{64}$/);
    expect(last(image, 'USER')?.args[0]).toMatch(/^(?!root$|0$)\w+$/);
    expect(last(image, 'STOPSIGNAL')?.args).toEqual(['SIGTERM']);
    expect(last(image, 'EXPOSE')?.args).toEqual([stageEnv(image).PORT]);
    expect(last(image, 'HEALTHCHECK')?.text).toMatch(/^CMD \[.*\/healthz/);
  });

  it('builds the server bundle and copies exactly its files into the image, nothing else', () => {
    expect(last(build, 'RUN')?.text).toBe('node scripts/bundle.ts server');
    const copies = image.instructions.filter((i) => i.op === 'COPY' || i.op === 'ADD');
    expect(copies.map((c) => c.flags.from)).toEqual(copies.map(() => 'build'));
    const out = join(workdir(build), relative(root, OUTDIR.server));
    const sources = copies.flatMap((c) => c.args.slice(0, -1));
    expect(sources.sort()).toEqual(bundled.files.map((f) => join(out, f)).sort());
    expect(copies.map((c) => c.args.at(-1))).toEqual(copies.map(() => './'));
  });

  it('its build stage gets every file it copies past .dockerignore, and no other', () => {
    const allowed = read('.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = build.instructions.filter((i) => i.op === 'COPY').flatMap((i) => i.args.slice(0, -1));
    expect(new Set(copied)).toEqual(new Set(allowed));
  });
});

/** Starts `argv` (its `node` being this Node) in `cwd` with only `env`; resolves once it listens. */
async function startProcess(argv: string[], cwd: string, env: Record<string, string>): Promise<ChildProcess> {
  const [command, ...args] = argv;
  expect(command).toBe('node');
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: dirname(process.execPath), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // JSON (`"msg":"Listening on …"`) or pretty (`INFO: Listening on …`).
  const listening = env.LOG_FORMAT === 'pretty' ? /\] INFO: Listening on http/ : /"msg":"Listening on http/;
  await new Promise<void>((ready, fail) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (listening.test(out)) ready();
    });
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => fail(new Error(`exited with ${code} before listening:\n${out}`)));
  });
  return child;
}

/** Stops a process as `docker stop` does (the image's STOPSIGNAL); resolves with its exit code. */
function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill(last(image, 'STOPSIGNAL')!.args[0] as NodeJS.Signals);
  return exited;
}

/** A step asks at `ask`, alice approves through `click`, and the step's token reads the repository. */
async function approveAndUse(h: AppHarness, ask: string, click: string, runId: number): Promise<void> {
  const step = await h.step({ runId });
  h.url = ask;
  const created = await h.request(step);
  expect(created.status).toBe(201);
  const checkRunId = Number(created.body.check_run_url!.split('/').pop());
  h.url = click;
  expect((await h.click(checkRunId, 'alice')).status).toBe(200);
  h.url = ask;
  const approved = await h.poll(step, created.body.id, 30);
  expect(approved.body.status).toBe('approved');
  const token = await h.decrypt(step, approved.body.token!.jwe);
  expect((await h.tokenReach(token, '.approvals/p.yml')).read).toBe(200);
}

/** The app's settings as an operator gives them (the image's ENV supplies the rest). */
const settings = (h: AppHarness, port: number): Record<string, string> => ({
  APP_ID: String(h.sim.world.app.id),
  PRIVATE_KEY: h.sim.world.app.privateKey,
  WEBHOOK_SECRET,
  PUBLIC_URL,
  OIDC_ISSUER: h.oidc.issuer,
  GITHUB_API_URL: h.sim.url,
  PORT: String(port),
  // The image listens on 0.0.0.0; on a shared test machine, the loopback suffices.
  HOST: '127.0.0.1',
});

describe('the image, started as Docker starts it', () => {
  const h = new AppHarness();
  const children: ChildProcess[] = [];
  beforeAll(() => h.start({ 'p.yml': POLICY }, { app: false }));
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await h.stop();
  });

  /** The image's file system: WORKDIR holding what the final stage copies, and nothing above it. */
  const imageRoot = (): string => {
    const dir = join(mkdtempSync(join(tmpdir(), 'image-')), workdir(image));
    mkdirSync(dir, { recursive: true });
    for (const file of bundled.files) cpSync(join(bundled.dir, file), join(dir, file));
    return dir;
  };

  it('serves the simulated GitHub from the bundle alone: a request is approved and its token works', async () => {
    const app = imageRoot();
    expect(readdirSync(app).sort()).toEqual([...bundled.files].sort());
    for (let d = app; d !== dirname(d); d = dirname(d))
      expect(existsSync(join(d, 'node_modules'))).toBe(false);

    const port = await freePort();
    const env = {
      ...stageEnv(image),
      ...settings(h, port),
      DATA_DIR: join(app, '..', 'data'), // the image's VOLUME
    };
    const child = await startProcess(CMD, app, env);
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await approveAndUse(h, url, url, 1);

    // The HEALTHCHECK, as Docker runs it in the container.
    const healthcheck = /^(?:--\S+ )*CMD (\[.*\])$/.exec(last(image, 'HEALTHCHECK')!.text)![1]!;
    const [node, ...args] = JSON.parse(healthcheck) as string[];
    expect(node).toBe('node');
    await expect(promisify(execFile)(process.execPath, args, { env })).resolves.toBeDefined();

    // docker stop: SIGTERM, and the app exits 0 (server and store closed).
    expect(await stop(child)).toBe(0);
  });

  it('without APP_ID, refuses to start with the one line that says where to register (no app.yml in it)', async () => {
    const env: Record<string, string> = { ...stageEnv(image), ...settings(h, await freePort()) };
    delete env.APP_ID;
    const child = spawn(process.execPath, CMD.slice(1), {
      cwd: imageRoot(),
      env: { PATH: dirname(process.execPath), ...env, DATA_DIR: join(tmpdir(), 'no-app-id') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await new Promise((r) => child.once('exit', r))).toBe(1);
    expect(stderr).toMatch(
      /^jit-approvals: configuration error: APP_ID: is not set, and there is no app\.yml here to register the app from\. Run `npm start` in a checkout/,
    );
  });

  it('writes pretty logs too (pino-pretty is in the bundle)', async () => {
    const port = await freePort();
    const env = {
      ...stageEnv(image),
      ...settings(h, port),
      DATA_DIR: join(tmpdir(), `pretty-${port}`),
      LOG_FORMAT: 'pretty',
    };
    const child = await startProcess(CMD, imageRoot(), env);
    children.push(child);
    expect(await stop(child)).toBe(0);
  });

  it('runs as compose.yaml runs it: two instances on one PostgreSQL database', async () => {
    const compose = load(read('compose.yaml')) as {
      services: Record<string, { build?: string; image?: string; environment?: Record<string, string> }>;
    };
    const instances = Object.entries(compose.services).filter(([, s]) => s.build === '.');
    expect(instances.map(([name]) => name)).toEqual(['app1', 'app2']);
    const [, app1] = instances[0]!;
    expect(instances[1]![1]).toEqual(app1); // the same definition
    expect(app1.environment?.DATABASE_URL).toMatch(
      /^postgres:\/\/jit:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/jit$/,
    );
    expect(app1.environment?.HOST).toBe('0.0.0.0');

    const schema = `t_${randomBytes(6).toString('hex')}`;
    const urls: string[] = [];
    for (let i = 0; i < instances.length; i++) {
      const port = await freePort();
      const env = {
        ...stageEnv(image),
        ...settings(h, port),
        DATA_DIR: '/nonexistent', // unused: PostgreSQL
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
      };
      children.push(await startProcess(CMD, imageRoot(), env));
      urls.push(`http://127.0.0.1:${port}`);
    }
    // The step asks at one instance, the click lands on the other (no stickiness).
    await approveAndUse(h, urls[0]!, urls[1]!, 2);
    for (const child of children.slice(-2)) expect(await stop(child)).toBe(0);
  });
});

describe('compose.yaml and its proxy', () => {
  it('puts both instances behind Caddy, health-checked at /healthz', () => {
    const compose = load(read('compose.yaml')) as {
      services: Record<string, { image?: string; volumes?: string[]; depends_on?: Record<string, unknown> }>;
    };
    const { proxy, postgres } = compose.services;
    expect(postgres?.image).toMatch(/^postgres:\d+-alpine@sha256:[0-9a-f]{64}$/);
    expect(proxy?.image).toMatch(/^caddy:2-alpine@sha256:[0-9a-f]{64}$/);
    expect(Object.keys(proxy?.depends_on ?? {})).toEqual(['app1', 'app2']);
    const mount = proxy!.volumes!.find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro'))!;
    const caddyfile = readFileSync(resolve(root, mount.split(':')[0]!), 'utf8');
    expect(caddyfile).toMatch(/reverse_proxy app1:3000 app2:3000/);
    expect(caddyfile).toMatch(/health_uri \/healthz/);
  });
});

describe('deploy/jit-approvals.service', () => {
  const unit = read('deploy/jit-approvals.service');
  const setting = (key: string): string | undefined => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];

  it('runs the same bundle with the same flags as the image, as its own user, stopped by SIGTERM', () => {
    const [node, ...args] = setting('ExecStart')!.split(' ');
    expect(node).toBe('/usr/bin/node');
    expect(args.slice(0, -1)).toEqual(CMD.slice(1, -1));
    expect(args.at(-1)!.split('/').pop()).toBe(CMD.at(-1));
    expect(bundled.files).toContain(CMD.at(-1));
    expect(setting('KillSignal')).toBe('SIGTERM');
    expect(setting('User')).toMatch(/^(?!root$)\S+$/);
    expect(unit).toContain('npm run build:server');
  });

  it.runIf(existsSync('/usr/bin/systemd-analyze'))(
    'passes systemd-analyze verify without a warning',
    async () => {
      const r = await promisify(execFile)('systemd-analyze', [
        'verify',
        join(root, 'deploy/jit-approvals.service'),
      ]);
      expect(r.stderr).toBe('');
    },
  );
});
