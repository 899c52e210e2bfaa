// How fast a test gets a working simulator: construction, listening, and the first
// authenticated, validated round trip (JWT -> installation token -> REST call).
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { GitHubSimulator } from '../test/github-sim/server.ts';
import { buildSpecSubset, loadSpec } from '../test/github-sim/spec.ts';

export async function simulatorStartup(
  runs = 10,
): Promise<{ coldExtractMs: number; startMs: number; firstCallMs: number }> {
  let t = performance.now();
  buildSpecSubset();
  const coldExtractMs = performance.now() - t;
  loadSpec();
  const starts: number[] = [];
  const firsts: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    const sim = new GitHubSimulator();
    sim.world.addRepo('acme/shop');
    const installation = sim.world.install('acme');
    await sim.start();
    starts.push(performance.now() - t);
    t = performance.now();
    const app = new Octokit({
      baseUrl: sim.url,
      authStrategy: createAppAuth,
      auth: { appId: sim.world.app.id, privateKey: sim.world.app.privateKey },
    });
    const { data } = await app.apps.createInstallationAccessToken({ installation_id: installation.id });
    await new Octokit({ baseUrl: sim.url, auth: data.token }).repos.get({ owner: 'acme', repo: 'shop' });
    firsts.push(performance.now() - t);
    await sim.stop();
    sim.assertNoViolations();
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { coldExtractMs, startMs: median(starts), firstCallMs: median(firsts) };
}
