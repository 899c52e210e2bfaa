// Runs the simulator as a process: `node test/github-sim/main.ts [seed.json]`. Prints one JSON
// line with its URLs and the app's credentials (key, client id and secret), then serves until SIGTERM or SIGINT.
import { readFileSync } from 'node:fs';
import { OidcIssuer } from './oidc.ts';
import { applySeed, type Seed } from './seed.ts';
import { GitHubSimulator } from './server.ts';

const seedFile = process.argv[2];
const sim = new GitHubSimulator();
const oidc = new OidcIssuer(sim);
if (seedFile) applySeed(sim.world, JSON.parse(readFileSync(seedFile, 'utf8')) as Seed);
const url = await sim.start(Number(process.env.PORT ?? 0));
process.stdout.write(
  `${JSON.stringify({ url, oidcIssuer: oidc.issuer, jwksUrl: oidc.jwksUrl, appId: sim.world.app.id, privateKey: sim.world.app.privateKey, clientId: sim.world.app.clientId, clientSecret: sim.world.app.clientSecret })}\n`,
);
const stop = async (): Promise<void> => {
  await sim.stop();
  if (sim.violations.length > 0) {
    process.stderr.write(`${JSON.stringify(sim.violations, null, 2)}\n`);
    process.exitCode = 3;
  }
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
