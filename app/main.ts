// `npm start`: reads the configuration from the environment and serves the app.
import { Probot, Server } from 'probot';
import { ConfigError, readConfig, type Config } from './config/read-config.ts';
import { appOctokit } from './github/octokit-class.ts';
import { jitApprovals, type Runtime } from './index.ts';

let config: Config;
try {
  config = readConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(
    `jit-approvals: configuration error: ${err.message}\nSee .env.example for every setting.\n`,
  );
  process.exit(1);
}

const server = new Server({
  Probot: Probot.defaults({
    appId: config.appId,
    privateKey: config.privateKey,
    secret: config.webhookSecret,
    baseUrl: config.githubApiUrl,
    logLevel: config.logLevel,
    Octokit: appOctokit(config.githubWrites),
  }),
  port: config.port,
  host: config.host,
  webhookPath: '/api/github/webhooks',
});
let runtime: Runtime | undefined;
await server.load(jitApprovals(config, {}, (r) => (runtime = r)));
await server.start();
const stop = async (): Promise<void> => {
  await server.stop();
  await runtime?.close();
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
