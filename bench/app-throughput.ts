// The app under load: requests created per second and the app's CPU for each.
import { createHash } from 'node:crypto';
import { PUBLIC_URL, WORKFLOW } from '../test/app/harness.ts';
import { configured, cpuSeconds, POLICY, type Mode } from './app-setup.ts';
import { Inspector, whereTimeGoes, type CpuProfile } from './inspect.ts';

export interface Throughput {
  perSecond: number;
  /** CPU the app process spent per request (only when it runs in its own process). */
  appCpuMs: number | undefined;
  /** GitHub calls per request created, by operation. */
  calls: Record<string, number>;
  /** With `profile`: the shares of the app's CPU profile, by part. */
  where?: { part: string; share: number }[];
}

/**
 * Requests created per second (OIDC verification, policy evaluation, store, check run),
 * `concurrency` at a time. The OIDC tokens are minted before the clock starts. With
 * `appProcess`, the app runs as `npm start` does, in its own process, and its CPU is measured.
 */
export async function creationThroughput(
  mode: Mode & { appProcess?: boolean; installations?: number; profile?: boolean },
  n = 400,
  concurrency = 16,
): Promise<Throughput> {
  const h = configured(mode);
  await h.start({ 'p.yml': POLICY }, { app: !mode.appProcess });
  // Further organizations, each with the app installed: their writes to GitHub do not queue
  // behind each other's, as one installation's do.
  const repos = [h.repo];
  for (let i = 1; i < (mode.installations ?? 1); i++) {
    repos.push(
      h.sim.world.addRepo(`org${i}/svc`, {
        files: { '.approvals/p.yml': POLICY, '.github/workflows/deploy.yml': WORKFLOW },
      }),
    );
    h.sim.world.install(`org${i}`);
  }
  const child = mode.appProcess
    ? await h.startAppProcess(undefined, mode.profile ? { nodeArgs: ['--inspect=127.0.0.1:0'] } : {})
    : undefined;
  const inspector = child && mode.profile ? await Inspector.attach(h, child) : undefined;
  try {
    const calls = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const repo = repos[i % repos.length]!;
        const step = await h.step({ runId: 50_000 + i }, repo);
        const token = await h.oidc.mint(step.job, { audience: PUBLIC_URL });
        const body = JSON.stringify({
          action: 'deploy-web',
          job: step.jobKey,
          job_id: step.simJob.id,
          public_key: step.publicJwk,
          secret_sha256: createHash('sha256').update(step.secret).digest('hex'),
        });
        return { token, body };
      }),
    );
    for (const repo of repos) {
      // Warm-up: each installation's token and policies.
      const step = await h.step({ runId: 1 }, repo);
      if ((await h.request(step)).status !== 201) throw new Error('warm-up request failed');
    }
    let next = 0;
    const cpuBefore = child ? await cpuSeconds(child.pid!) : 0;
    const start = performance.now();
    const creating = (): Promise<unknown> =>
      Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < calls.length) {
            const { token, body } = calls[next++]!;
            const res = await fetch(`${h.url}/api/v1/requests`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body,
            });
            if (res.status !== 201) throw new Error(`request failed: ${res.status} ${await res.text()}`);
            await res.arrayBuffer();
          }
        }),
      );
    const callsBefore = h.sim.calls.length;
    let profile: CpuProfile | undefined;
    if (inspector) profile = await inspector.profile(async () => void (await creating()));
    else await creating();
    inspector?.close();
    const seconds = (performance.now() - start) / 1000;
    const appCpuMs = child ? (((await cpuSeconds(child.pid!)) - cpuBefore) * 1000) / n : undefined;
    const perRequest: Record<string, number> = {};
    for (const c of h.sim.calls.slice(callsBefore))
      perRequest[c.operation] = (perRequest[c.operation] ?? 0) + 1 / n;
    return {
      perSecond: n / seconds,
      appCpuMs,
      calls: perRequest,
      ...(profile && { where: whereTimeGoes(profile, 14) }),
    };
  } finally {
    await h.stop();
  }
}
