// The whole loop on one machine: a local GitHub, the app with a fresh SQLite file, a repository
// with policies, and the real action.yml run as a job step. A reviewer approves in the sandbox
// page (or --approve-as does it), the job resumes with its token, and the timeline is printed.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompositeRun, RunResult } from '../test/actions-runner/composite-runner.ts';
import { AppHarness } from '../test/app/harness.ts';
import { startSandbox } from './sandbox.ts';

const root = fileURLToPath(new URL('../', import.meta.url));

export const SCENARIOS = {
  approve: {
    action: 'deploy-staging',
    expect: 'approved',
    about: 'one approval from alice, bob or an active member of acme/sre',
  },
  auto: {
    action: 'publish-docs',
    expect: 'approved',
    about: 'a routine action the policy approves automatically',
  },
  freeze: { action: 'release-app', expect: 'denied', about: 'denied at once: releases are frozen' },
  quorum: {
    action: 'deploy-production',
    expect: 'approved',
    about: 'two approvals from alice, bob and carol',
  },
  timeout: {
    action: 'hotfix',
    expect: 'timed_out',
    about: 'nobody approves within the policy timeout of 5 s',
  },
} as const;
export type Scenario = keyof typeof SCENARIOS;

export interface DemoOptions {
  scenario: Scenario;
  /** Users who click Approve as soon as the job waits; none: a person clicks in the sandbox. */
  approveAs: string[];
  print: (line: string) => void;
}

export interface Demo {
  sandboxUrl: string;
  harness: AppHarness;
  job: CompositeRun;
  /** Resolves when the job has finished and the token was revoked; true when the scenario ended as expected. */
  done: Promise<{ ok: boolean; result: RunResult; timeline: string[] }>;
  stop(): Promise<void>;
}

function demoPolicies(): Record<string, string> {
  const dir = join(root, 'demo', '.approvals');
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { print } = options;
  const scenario = SCENARIOS[options.scenario];
  const h = await new AppHarness().start(demoPolicies());
  h.sim.world.addTeam('acme/sre', { active: ['sam'], pending: ['pat'] });
  for (const u of ['alice', 'bob', 'carol', 'mallory']) h.sim.world.addUser(u);
  const sandbox = await startSandbox(h.sim.world, h.repo, h.hooks);
  const step = await h.step({ runId: 4242, environment: undefined });
  const started = Date.now();
  print(`Local GitHub ${h.sim.url} · app ${h.url} · data ${h.dataDir}`);
  print(`Scenario "${options.scenario}": ${scenario.action}, ${scenario.about}.`);
  const job = h.actionStep(
    step,
    { action: scenario.action, reason: `demo: ${options.scenario}` },
    {
      onLine: (line) => print(`  job | ${line}`),
    },
  );
  if (options.approveAs.length === 0 && scenario.expect !== 'denied' && options.scenario !== 'auto') {
    print(
      `\nOpen the sandbox to approve: ${sandbox.url}\n(pick who clicks at the top right; only eligible approvers count)\n`,
    );
  }
  if (options.approveAs.length > 0 && options.scenario !== 'timeout') {
    void job.waitForLine(/^Waiting for/).then(
      async () => {
        const line = await job.waitForLine(/\/runs\/(\d+)\./);
        const run = h.checkRun(Number(/\/runs\/(\d+)\./.exec(line)![1]));
        for (const user of options.approveAs) {
          print(`  you | ${user} clicks Approve`);
          await h.click(run.id, user);
        }
      },
      () => undefined,
    );
  }
  const done = job.result.then(async (result) => {
    const resumed = Date.now();
    const token = result.outputs.token;
    if (token) {
      const { read, beyond } = await h.tokenReach(token, '.approvals/demo.yml');
      print(
        `  job | the token reads .approvals/demo.yml: HTTP ${read}; creating a check run, beyond its permissions: HTTP ${beyond}`,
      );
    }
    const requestId = result.outputs['request-id'];
    await h.hooks.workflowJobCompleted(
      h.repo,
      { runId: step.job.runId, name: 'deploy', headSha: step.job.sha },
      h.sim.world.addUser('dana'),
    );
    if (requestId) await h.settled(requestId);
    const timeline = await buildTimeline(h, requestId, started, resumed, result);
    return { ok: result.outputs.status === scenario.expect, result, timeline };
  });
  return {
    sandboxUrl: sandbox.url,
    harness: h,
    job,
    done,
    stop: async () => {
      await new Promise((r) => sandbox.server.close(r));
      await h.stop();
    },
  };
}

async function buildTimeline(
  h: AppHarness,
  requestId: string | undefined,
  started: number,
  resumed: number,
  result: RunResult,
): Promise<string[]> {
  const at = (ms: number): string => `+${((ms - started) / 1000).toFixed(2).padStart(6)}s`;
  const entries: [number, string][] = [];
  const events = (await h.runtime.store.auditEvents()).filter((e) => e.requestId === requestId);
  for (const e of events) {
    const d = e.data;
    if (e.type === 'request')
      entries.push([
        e.at,
        `requested     ${String(d.action)} by ${String(d.actor)} (run ${String(d.run_id)}, reason "${String(d.reason)}")`,
      ]);
    if (e.type === 'vote') entries.push([e.at, `vote          ${String(d.voter)}: ${String(d.decision)}`]);
    if (e.type === 'vote_ignored')
      entries.push([e.at, `click ignored ${String(d.voter)}: ${String(d.reason)}`]);
    if (e.type === 'decision')
      entries.push([
        e.at,
        `${String(d.status).padEnd(13)} ${(d.reasons as string[]).filter((r) => !/^(governed by|token:|no token)/.test(r)).join('; ')}`,
      ]);
    if (e.type === 'token_granted') {
      const perms = Object.entries(d.permissions as Record<string, string>)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
      entries.push([
        e.at,
        `token issued  sha256:${String(d.token_sha256).slice(0, 16)}… ${perms}, revoked by ${String(d.revoke_at)} at the latest`,
      ]);
    }
    if (e.type === 'token_revoked')
      entries.push([
        e.at,
        `token revoked sha256:${String(d.token_sha256).slice(0, 16)}… (${String(d.why).replace('_', ' ')})`,
      ]);
  }
  const request = requestId ? await h.runtime.store.getRequest(requestId) : undefined;
  const run = request?.checkRunId ? h.checkRun(request.checkRunId) : undefined;
  const created = h.sim.calls.find((c) => c.operation === 'checks/create');
  if (run && created)
    entries.push([
      performance.timeOrigin + created.at,
      `check run     "${run.name}" on ${run.head_sha.slice(0, 7)}, now ${run.conclusion}`,
    ]);
  entries.push([resumed, `job resumed   the step ended: ${result.outputs.status ?? 'failed'}`]);
  entries.sort((a, b) => a[0] - b[0]);
  return entries.map(([t, text]) => `${at(t)}  ${text}`);
}

/** Takes the command line; returns the exit code. */
export async function main(argv: string[], print = (l: string) => console.log(l)): Promise<number> {
  let scenario: Scenario = 'approve';
  let approveAs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--scenario') {
      const s = argv[++i] ?? '';
      if (!(s in SCENARIOS)) {
        print(`unknown scenario "${s}": use one of ${Object.keys(SCENARIOS).join(', ')}`);
        return 2;
      }
      scenario = s as Scenario;
    } else if (arg === '--approve-as') approveAs = (argv[++i] ?? '').split(',').filter(Boolean);
    else {
      print(
        `usage: npm run demo -- [--scenario ${Object.keys(SCENARIOS).join('|')}] [--approve-as user[,user]]`,
      );
      return 2;
    }
  }
  if (scenario === 'quorum' && approveAs.length === 1)
    approveAs.push(approveAs[0] === 'bob' ? 'carol' : 'bob');
  const demo = await startDemo({ scenario, approveAs, print });
  try {
    const { ok, timeline } = await demo.done;
    print('\nTimeline');
    for (const line of timeline) print(`  ${line}`);
    print(
      ok
        ? `\nThe "${scenario}" scenario ended as it should.`
        : `\nThe "${scenario}" scenario did not end as expected.`,
    );
    return ok ? 0 : 1;
  } finally {
    await demo.stop();
  }
}
