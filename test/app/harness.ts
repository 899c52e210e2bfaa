// The app as it runs: the real Probot server on a free port, talking to the simulated GitHub,
// verifying tokens from the simulated OIDC issuer, receiving signed webhooks over HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { Octokit } from '@octokit/rest';
import { compactDecrypt, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { pino } from 'pino';
import { Probot } from 'probot';
import type { RequestView } from '../../app/domain/step-contract.ts';
import { readConfig, type Config } from '../../app/config/read-config.ts';
import { appOctokit, type SharedPacing } from '../../app/github/octokit-class.ts';
import { serve, type Serving } from '../../app/http/serve.ts';
import { jitApprovals, type Runtime } from '../../app/index.ts';
import { createLogger } from '../../app/logging/create-logger.ts';
import { CompositeRun } from '../actions-runner/composite-runner.ts';
import { OidcIssuer, type Job, type MintOptions } from '../github-sim/oidc.ts';
import { GitHubSimulator } from '../github-sim/server.ts';
import { WebhookSender } from '../github-sim/webhooks.ts';
import type { SimJob, SimRepo } from '../github-sim/world.ts';

export const PUBLIC_URL = 'https://jit.example.test';

/** util-linux's setpriv: runs a command as root without the capabilities that ignore file modes. */
const WITHOUT_FILE_OVERRIDE = [
  'setpriv',
  '--bounding-set=-dac_override,-dac_read_search',
  '--inh-caps=-dac_override,-dac_read_search',
  '--',
];

export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface Step {
  job: Job;
  privateKey: CryptoKey;
  publicJwk: Record<string, unknown>;
  /** The step's secret (its SHA-256 goes with the request; reads and cancels send it). */
  secret: string;
  /** The job key (GITHUB_JOB). */
  jobKey: string;
  /** The job the step runs in, as GitHub knows it (its id is `job.check_run_id`). */
  simJob: SimJob;
}

/** The workflow the harness's steps run in: what the app reads to tell legs of a job apart. */
export const WORKFLOW = `name: deploy
on: [push, pull_request, workflow_dispatch]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
  deploy:
    runs-on: ubuntu-latest
    environment: production
    permissions:
      id-token: write
      contents: read
    strategy:
      matrix:
        region: [eu, us]
    steps:
      - uses: acme/jit-approvals@v1
        with:
          action: deploy-web
  smoke:
    name: Release smoke
    runs-on: ubuntu-latest
    steps:
      - run: make smoke
  release:
    name: Release \${{ matrix.target }}
    runs-on: ubuntu-latest
    strategy:
      matrix:
        target: [web, api]
    steps:
      - uses: acme/jit-approvals@v1
        with:
          action: deploy-web
`;

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export class AppHarness {
  readonly sim = new GitHubSimulator();
  readonly oidc = new OidcIssuer(this.sim);
  readonly hooks: WebhookSender;
  readonly logs: string[] = [];
  readonly dataDir: string;
  /**
   * The app's decision clock: real time plus `offsetMs`, which a test moves forward to reach
   * timeouts and TTLs. GitHub and the OIDC issuer keep real time, so credentials stay valid.
   */
  offsetMs = 0;
  /** How often the app sweeps for timeouts and TTLs. */
  sweepEveryMs = 20;
  /** Where the app's links point (check runs, runs); default GitHub's. The demo points them at its sandbox. */
  serverUrl: string | undefined;
  /** How often the app looks for due reminders (tests call `remindDue` when they want one). */
  remindEveryMs = 3_600_000;
  /**
   * Extra settings for the app, e.g. `GITHUB_WRITES_PER_MINUTE: '0'` where a test or benchmark
   * makes more requests at once than the default burst of writes allows.
   */
  env: Record<string, string> = {};
  /**
   * The app's PUBLIC_URL (the steps' OIDC audience, and where the approval page lives). Tests of
   * the page in a browser set it to where the app listens, and start it on that port.
   */
  publicUrl = PUBLIC_URL;
  /** PostgreSQL instead of SQLite, for tests of several instances. */
  database: { url: string; schema: string } | undefined;
  repo!: SimRepo;
  url = '';
  runtime!: Runtime;
  #server: Serving | undefined;

  constructor(dataDir = mkdtempSync(join(tmpdir(), 'jit-app-'))) {
    this.dataDir = dataDir;
    this.hooks = new WebhookSender(this.sim, () => ({
      url: `${this.url}/api/github/webhooks`,
      secret: WEBHOOK_SECRET,
    }));
  }

  /** Starts the simulator with `acme/shop` holding `policies` in .approvals/, and the app (in this process, unless `app: false`). */
  async start(policies: Record<string, string>, { app = true } = {}): Promise<this> {
    this.repo = this.sim.world.addRepo('acme/shop', {
      files: {
        ...Object.fromEntries(Object.entries(policies).map(([name, text]) => [`.approvals/${name}`, text])),
        '.github/workflows/deploy.yml': WORKFLOW,
      },
    });
    this.sim.world.install('acme');
    await this.sim.start();
    if (app) await this.startApp();
    return this;
  }

  config(): Config {
    return readConfig({
      APP_ID: String(this.sim.world.app.id),
      PRIVATE_KEY: this.sim.world.app.privateKey,
      WEBHOOK_SECRET,
      PUBLIC_URL: this.publicUrl,
      OIDC_ISSUER: this.oidc.issuer,
      GITHUB_API_URL: this.sim.url,
      DATA_DIR: this.dataDir,
      LOG_LEVEL: 'info',
      // Tests change policies in the simulated repository without a push: read them every time.
      POLICY_CACHE_SECONDS: '0',
      ...(this.database && { DATABASE_URL: this.database.url, DATABASE_SCHEMA: this.database.schema }),
      ...this.env,
    });
  }

  /**
   * The app's own Octokit class (as `npm start` uses it), without plugin-retry's repeats of 5xx
   * answers: tests inject those and check what the step sees.
   */
  octokitClass(config: Config, pacing: SharedPacing = {}) {
    return appOctokit(config.githubWrites, config.githubTimeoutMs, pacing).defaults(
      (options: Record<string, unknown>) => ({
        ...options,
        request: { ...(options.request as object), retries: 0 },
      }),
    );
  }

  /**
   * Serves the approval page with sign-in through the simulator's GitHub: PUBLIC_URL becomes
   * `http://127.0.0.1:<port>` (a free port, returned: start the app on it) and the app gets the
   * simulated app's client id and secret. Call after the simulator has started.
   */
  async enableSignIn(): Promise<number> {
    const port = await freePort();
    this.publicUrl = `http://127.0.0.1:${port}`;
    this.env = {
      ...this.env,
      GITHUB_CLIENT_ID: this.sim.world.app.clientId,
      GITHUB_CLIENT_SECRET: this.sim.world.app.clientSecret,
      GITHUB_SERVER_URL: this.sim.url,
    };
    return port;
  }

  async startApp(port?: number): Promise<void> {
    this.#child = undefined;
    const config = this.config();
    port ??= await freePort();
    const sink = new Writable({
      write: (chunk: Buffer, _, done) => (this.logs.push(chunk.toString()), done()),
    });
    const log = createLogger({ level: 'info', format: 'json', destination: sink });
    const writePacing: SharedPacing = {};
    // As `npm start` serves it (app/main.ts), with the test's clock and Octokit class.
    this.#server = await serve({
      probot: new Probot({
        appId: config.appId,
        privateKey: config.privateKey,
        secret: config.webhookSecret,
        baseUrl: config.githubApiUrl,
        log,
        Octokit: this.octokitClass(config, writePacing),
      }),
      app: jitApprovals(
        config,
        {
          writePacing,
          now: () => Date.now() + this.offsetMs,
          sweepEveryMs: this.sweepEveryMs,
          remindEveryMs: this.remindEveryMs,
          ...(this.serverUrl && { serverUrl: this.serverUrl }),
          notifyBackoffMs: [20, 40, 80],
        },
        (r) => (this.runtime = r),
      ),
      http: config.http,
      port,
      host: '127.0.0.1',
      log,
      webhookSecret: config.webhookSecret,
    });
    this.url = this.#server.url;
  }

  #child: ChildProcess | undefined;
  readonly #children: ChildProcess[] = [];

  /**
   * Runs the app as `npm start` does, in its own process (`node app/main.ts`), on `port`, as
   * `user` if given (tests of file permissions, which root ignores).
   */
  async startAppProcess(
    port?: number,
    opts: { honourFileModes?: boolean; nodeArgs?: string[] } = {},
  ): Promise<ChildProcess> {
    const config = this.config();
    const listen = port ?? (await freePort());
    // The V8 flag `npm start` runs with (package.json): a young generation of 8 MB semi-spaces
    // instead of V8's default for the machine's memory (about 100 MB less RSS, same throughput).
    const node = [
      '--experimental-strip-types',
      '--no-warnings',
      '--max-semi-space-size=8',
      ...(opts.nodeArgs ?? []),
    ];
    // Root ignores file modes (CAP_DAC_OVERRIDE): to see them, the app runs as root without it.
    const argv = [process.execPath, ...node, 'app/main.ts'];
    const asRoot = opts.honourFileModes && process.getuid?.() === 0;
    const [command, ...args] = asRoot ? [...WITHOUT_FILE_OVERRIDE, ...argv] : argv;
    const child = spawn(command!, args, {
      cwd: new URL('../../', import.meta.url).pathname,
      env: {
        PATH: process.env.PATH,
        APP_ID: config.appId,
        PRIVATE_KEY: config.privateKey,
        WEBHOOK_SECRET,
        PUBLIC_URL: this.publicUrl,
        OIDC_ISSUER: this.oidc.issuer,
        GITHUB_API_URL: this.sim.url,
        DATA_DIR: this.dataDir,
        ...(this.database && { DATABASE_URL: this.database.url, DATABASE_SCHEMA: this.database.schema }),
        PORT: String(listen),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        POLICY_CACHE_SECONDS: '0',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#children.push(child);
    const started = new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        this.logs.push(chunk.toString());
        // A line may come in two chunks: look at what this child printed so far.
        if (seen !== 'listening' && /Listening on/.test((seen += chunk.toString()))) {
          seen = 'listening';
          resolve();
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => this.logs.push(chunk.toString()));
      child.on('exit', (code) =>
        reject(new Error(`the app exited with ${code} before listening:\n${this.logs.join('')}`)),
      );
    });
    await started;
    this.url = `http://127.0.0.1:${listen}`;
    return child;
  }

  /** Kills an app process (default: the last started) at once, as a crash or OOM kill would. */
  async killAppProcess(child = this.#child): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  readonly #instances: Runtime[] = [];

  /**
   * Another instance of the app in this process on the same database, without an HTTP server:
   * for tests that make two instances sweep or decide at the same moment. It sweeps only when
   * told (`runtime.service.sweep()`), on the harness's clock (`clockAheadMs` ahead of it: an
   * instance whose clock runs fast).
   */
  async instance({ clockAheadMs = 0 } = {}): Promise<Runtime> {
    const config = this.config();
    const writePacing: SharedPacing = {};
    const probot = new Probot({
      appId: config.appId,
      privateKey: config.privateKey,
      baseUrl: config.githubApiUrl,
      log: pino({ level: 'warn' }, new Writable({ write: (_c, _e, done) => done() })),
      Octokit: this.octokitClass(config, writePacing),
    });
    let runtime: Runtime | undefined;
    await jitApprovals(
      config,
      {
        now: () => Date.now() + this.offsetMs + clockAheadMs,
        sweepEveryMs: 3_600_000,
        remindEveryMs: 3_600_000,
        writePacing,
      },
      (r) => (runtime = r),
    )(probot, { cwd: process.cwd(), addHandler: () => undefined });
    this.#instances.push(runtime!);
    return runtime!;
  }

  async stopApp(): Promise<void> {
    for (const instance of this.#instances.splice(0)) await instance.close();
    for (const child of this.#children) await this.killAppProcess(child);
    await this.#server?.close();
    await this.runtime?.close();
    this.#server = undefined;
    this.runtime = undefined as unknown as Runtime;
  }

  async stop(): Promise<void> {
    await this.stopApp();
    await this.sim.stop();
    rmSync(this.dataDir, { recursive: true, force: true }); // the app's SQLite file, and nothing else
  }

  /**
   * A step of a job in `repo` (default acme/shop): its OIDC identity, an ephemeral key pair, a
   * secret, and its job in the simulated run (job key `deploy`, shown as `jobName`, in progress).
   */
  async step(
    over: Partial<Job> = {},
    repo: SimRepo = this.repo,
    opts: { jobKey?: string; jobName?: string } = {},
  ): Promise<Step> {
    const job: Job = {
      repository: `${repo.owner}/${repo.name}`,
      repositoryId: repo.id,
      actor: 'dana',
      actorId: this.sim.world.addUser('dana').id,
      ref: 'refs/heads/main',
      sha: repo.branches.get(repo.defaultBranch)!,
      event: 'push',
      environment: 'production',
      workflow: '.github/workflows/deploy.yml',
      runId: 9001,
      ...over,
    };
    // GitHub knows every attempt of a run, and who started it: the app reads a re-runner's id there.
    if (job.triggeringActor) this.sim.world.addUser(job.triggeringActor);
    const attempt = job.runAttempt ?? 1;
    if (!this.sim.world.runAttempts.has(`${job.runId}:${attempt}`))
      this.sim.world.addRun(repo, {
        id: job.runId,
        attempt,
        actor: job.actor,
        ...(job.triggeringActor && { triggeringActor: job.triggeringActor }),
        headSha: job.sha,
        event: job.event,
      });
    const { publicKey, privateKey } = await generateKeyPair('ECDH-ES', { crv: 'P-256' });
    const jobKey = opts.jobKey ?? 'deploy';
    const simJob = this.sim.world.addJob(repo, {
      runId: job.runId,
      runAttempt: job.runAttempt ?? 1,
      name: opts.jobName ?? jobKey,
      headSha: job.sha,
    });
    return {
      job,
      privateKey,
      publicJwk: (await exportJWK(publicKey)) as Record<string, unknown>,
      secret: randomBytes(32).toString('hex'),
      jobKey,
      simJob,
    };
  }

  async call(
    step: Step,
    method: string,
    path: string,
    body?: unknown,
    mint: Partial<MintOptions> = {},
  ): Promise<{ status: number; body: RequestView & { error?: { code: string; message: string } } }> {
    const token = await this.oidc.mint(step.job, { audience: this.publicUrl, ...mint });
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-jit-step-secret': step.secret,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as never };
  }

  request(step: Step, body: Record<string, unknown> = {}, mint: Partial<MintOptions> = {}) {
    return this.call(
      step,
      'POST',
      '/api/v1/requests',
      {
        action: 'deploy-web',
        job: step.jobKey,
        job_id: step.simJob.id,
        reason: 'ship it',
        public_key: step.publicJwk,
        secret_sha256: sha256(step.secret),
        ...body,
      },
      mint,
    );
  }

  /** `since`: the version of the step's last answer (as the action sends it). */
  poll(step: Step, id: string, wait = 0, since?: number) {
    const after = since === undefined ? '' : `&since=${since}`;
    return this.call(step, 'GET', `/api/v1/requests/${id}?wait=${wait}${after}`);
  }

  cancel(step: Step, id: string) {
    return this.call(step, 'DELETE', `/api/v1/requests/${id}`);
  }

  /** The step's job ends: GitHub sends `workflow_job.completed` for it. */
  jobCompleted(step: Step) {
    return this.hooks.workflowJobCompleted(this.repo, step.simJob, this.sim.world.addUser(step.job.actor));
  }

  async decrypt(step: Step, jwe: string): Promise<string> {
    return new TextDecoder().decode((await compactDecrypt(jwe, step.privateKey)).plaintext);
  }

  /**
   * The repository's real action.yml run as a step of a job, against the app at `appUrl` (default
   * the app), with the job's OIDC variables unless `oidc: false`.
   */
  actionStep(
    step: Step,
    inputs: Record<string, string>,
    opts: {
      appUrl?: string;
      oidc?: boolean;
      onLine?: (line: string) => void;
      strategy?: { 'job-index': number; 'job-total': number };
    } = {},
  ): CompositeRun {
    const { job } = step;
    return new CompositeRun({
      actionPath: fileURLToPath(new URL('../../', import.meta.url)),
      inputs: { 'app-url': opts.appUrl ?? this.url, audience: this.publicUrl, ...inputs },
      github: {
        repository: job.repository,
        sha: job.sha,
        ref: job.ref,
        event_name: job.event,
        actor: job.actor,
        run_id: String(job.runId),
        run_attempt: String(job.runAttempt ?? 1),
        workflow: 'deploy',
        job: step.jobKey,
      },
      job: { status: 'success', check_run_id: step.simJob.id },
      ...(opts.strategy && { strategy: opts.strategy }),
      ...(opts.oidc !== false && { env: this.oidc.jobEnv(job) }),
      nodeDir: dirname(process.execPath),
      ...(opts.onLine && { onLine: opts.onLine }),
    });
  }

  /**
   * The simulator's call count when the app (in this process) last finished writing a step's
   * answer out (its waiters' `answering` mark released): what GitHub had received before the step
   * was answered, whatever the order in which this one process then reads the answer.
   */
  callsAtAnswers(): { last: () => number } {
    const waiters = this.runtime.service.deps.waiters;
    const answering = waiters.answering.bind(waiters);
    let last = 0;
    waiters.answering = (id, step) => {
      const release = answering(id, step);
      let once = false;
      return () => {
        if (!once) last = this.sim.calls.length;
        once = true;
        release();
      };
    };
    return { last: () => last };
  }

  /** Resolves once work the app is doing on a request (a vote, a sweep) has finished, and what it made due on GitHub was done. */
  async settled(requestId: string): Promise<void> {
    await this.runtime.service.ledger.locked(requestId, async () => undefined);
    await this.runtime.service.worker.settle(requestId, Date.now() + this.offsetMs + 10_000, {
      lowToo: true,
    });
  }

  /**
   * What a `contents: read` token may do on acme/shop: read a file (HTTP status), and create a
   * check run, which is beyond it (the status of the refusal).
   */
  async tokenReach(token: string, path: string): Promise<{ read: number; beyond: number }> {
    const quiet = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    };
    const kit = new Octokit({ baseUrl: this.sim.url, auth: token, request: { retries: 0 }, log: quiet });
    const status = (p: Promise<{ status: number }>): Promise<number> =>
      p.then(
        (r) => r.status,
        (e: { status: number }) => e.status,
      );
    return {
      read: await status(kit.repos.getContent({ owner: 'acme', repo: 'shop', path })),
      beyond: await status(
        kit.checks.create({
          owner: 'acme',
          repo: 'shop',
          name: 'x',
          head_sha: this.repo.branches.get(this.repo.defaultBranch)!,
        }),
      ),
    };
  }

  /** The check run the app made for a request. */
  checkRun(id: number) {
    return this.repo.checkRuns.find((r) => r.id === id)!;
  }

  /** A reviewer clicks a button on the request's check run. */
  async click(checkRunId: number, login: string, identifier = 'approve') {
    const delivery = await this.clickOnly(checkRunId, login, identifier);
    // Clicks that cannot count are shown on the check run together, a moment later: show them now.
    await this.runtime?.service.ignored.flushAll();
    return delivery;
  }

  /** A click, without waiting for ignored clicks to be shown (as a flood of them arrives). */
  clickOnly(checkRunId: number, login: string, identifier = 'approve') {
    return this.hooks.checkRunRequestedAction(
      this.repo,
      this.checkRun(checkRunId),
      identifier,
      this.sim.world.addUser(login),
    );
  }
}

/** The check run id of a stored request. */
export async function checkRunOf(h: AppHarness, requestId: string): Promise<number> {
  return (await h.runtime.store.getRequest(requestId))!.checkRunId!;
}
