// `npm start`: reads the configuration from the environment and serves the app.
import { Probot } from 'probot';
import { envFilesRead, settingsSource } from './config/env-files.ts';
import { ConfigError, readConfig, type Config } from './config/read-config.ts';
import { startError } from './config/start-error.ts';
import { appOctokit, type SharedPacing } from './github/octokit-class.ts';
import { serve } from './http/serve.ts';
import { jitApprovals, type Runtime } from './index.ts';
import { createLogger } from './logging/create-logger.ts';
import { registerFirst } from './setup/register-first.ts';
import { startLine } from './start-line.ts';
import { stopOnSignals } from './stop-signals.ts';

let envFiles = envFilesRead(process.execArgv, process.cwd());

/**
 * A setting that is wrong, a DATA_DIR the app cannot use, a database it cannot reach or a port it
 * cannot listen on stops the app with one line: the setting, the problem and the fix.
 */
function refuse(err: unknown, started?: Config): never {
  const problem = started ? startError(err, started) : err instanceof ConfigError ? err : undefined;
  if (!problem) throw err;
  process.stderr.write(
    `jit-approvals: configuration error: ${problem.message}. Settings came from ${settingsSource(envFiles)}; every setting is in .env.example.\n`,
  );
  process.exit(1);
}

const logFor = (c: Config) =>
  createLogger({ level: c.logLevel, format: c.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json') });

// No APP_ID: the registration page first (app/setup/), until GitHub has registered the app and its
// settings are in .env and in this environment; a stop signal there ends the process.
if (!(await registerFirst(process.env, process.cwd(), logFor).catch((err: unknown) => refuse(err))))
  process.exit(0);
envFiles = envFilesRead(process.execArgv, process.cwd()); // the .env a registration wrote, too

let config: Config;
try {
  config = readConfig(process.env);
} catch (err) {
  refuse(err);
}

const log = logFor(config);
log.info({ envFiles }, `settings came from ${settingsSource(envFiles)}`);
// Filled in from the store once it is open: instances on one PostgreSQL pace their writes together.
const writePacing: SharedPacing = {};
const probot = new Probot({
  appId: config.appId,
  privateKey: config.privateKey,
  secret: config.webhookSecret,
  baseUrl: config.githubApiUrl,
  log,
  Octokit: appOctokit(config.githubWrites, config.githubTimeoutMs, writePacing),
});
let runtime: Runtime | undefined;
const started = serve({
  probot,
  app: jitApprovals(config, { writePacing }, (r) => (runtime = r)),
  http: config.http,
  port: config.port,
  host: config.host,
  log,
  webhookSecret: config.webhookSecret,
}).catch((err: unknown) => refuse(err, config));
// The signals are handled before the port opens: a stop that arrives as the server starts
// listening waits for the start, then closes the server and the store, and the app exits 0.
stopOnSignals(async () => {
  await (await started).close();
  await runtime?.close();
}, log);
await started;
log.info(startLine(config));
