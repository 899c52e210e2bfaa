// The whole loop on one machine: a local GitHub, the app with a fresh SQLite file, a repository
// with policies, and the real action.yml run as a job step. A reviewer approves in the sandbox
// page (or --approve-as does it), the job resumes with its token, and the timeline is printed.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompositeRun, RunResult } from '../test/actions-runner/composite-runner.ts';
import { AppHarness } from '../test/app/harness.ts';
import { afterClicks, buildTimeline } from './report.ts';
import { greenEvidence } from './green.ts';
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
  green: {
    action: 'deploy-green',
    expect: 'approved',
    about:
      'approved automatically once CI is green on a commit merged through a reviewed pull request; it waits while CI runs',
  },
  freeze: { action: 'release-app', expect: 'denied', about: 'denied at once: releases are frozen' },
  gate: {
    action: 'deploy-web',
    expect: 'approved',
    about:
      'the job waits at environment production for one approval from alice, bob or acme/sre; its step then gets a token without a second vote',
  },
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
  /** The app's approval page (`<url>/requests`), where any demo user can sign in. */
  pageUrl: string;
  harness: AppHarness;
  /** The job's step. In the "gate" scenario it starts once the gate is approved: reading it before throws. */
  readonly job: CompositeRun;
  /** Resolves when the job has finished and the token was revoked; true when the scenario ended as expected. */
  done: Promise<{ ok: boolean; result: RunResult; timeline: string[] }>;
  stop(): Promise<void>;
}

function demoPolicies(): Record<string, string> {
  const dir = join(root, 'demo', '.approvals');
  // The policy files (their tests, in tests/, are for `jit-approvals test`, not the app).
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yml'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { print } = options;
  const scenario = SCENARIOS[options.scenario];
  const h = await new AppHarness().start(demoPolicies(), { app: false });
  h.sim.world.addTeam('acme/sre', { active: ['sam'], pending: ['pat'] });
  for (const u of ['alice', 'bob', 'carol', 'mallory']) h.sim.world.addUser(u);
  const sandbox = await startSandbox(h.sim.world, h.repo, h.hooks);
  // The app's links (the job log's "Approve or deny at", the notice) lead to the sandbox, which
  // stands in for github.com here.
  h.serverUrl = sandbox.url;
  // The approval page: the app at its own PUBLIC_URL, signing reviewers in at the local GitHub.
  const port = await h.enableSignIn();
  for (const login of ['alice', 'bob', 'carol', 'mallory', 'sam', 'dana'])
    h.repo.collaborators.set(login, 'read');
  await h.startApp(port);
  const started = Date.now();
  print(`Local GitHub ${h.sim.url} · app ${h.url} · data ${h.dataDir}`);
  print(`Approval page ${h.url}/requests (sign in as any demo user: alice, bob, sam, mallory, …)`);
  print(`Scenario "${options.scenario}": ${scenario.action}, ${scenario.about}.`);
  // Stopping first ends what still runs (a waiting job, a gate nobody answered), so that nothing
  // is left to reach the app or GitHub once they are gone, then removes their files.
  const running: Running = { stopping: false };
  const stop = async (): Promise<void> => {
    running.stopping = true;
    try {
      running.job?.cancel('SIGTERM');
    } catch {
      // the job had ended
    }
    await running.done?.catch(() => undefined);
    await new Promise((r) => sandbox.server.close(r));
    await h.stop();
  };
  if (options.scenario === 'gate') return startGate(h, options, sandbox.url, started, stop, running);
  // "green": the commit came through carol's pull request that bob approved; CI's build passed and
  // its tests still run when the step asks. They pass once the step waits: nobody clicks anything.
  const green = options.scenario === 'green' ? greenEvidence(h, print) : undefined;
  const step = await h.step({ runId: 4242, environment: undefined, ...(green && { sha: green.sha }) });
  const job = h.actionStep(
    step,
    { action: scenario.action, reason: `demo: ${options.scenario}` },
    {
      onLine: (line) => print(`  job | ${line}`),
    },
  );
  if (options.scenario === 'timeout')
    print(
      `\nNobody decides in this scenario: the request times out after 5 s. The sandbox: ${sandbox.url}\n`,
    );
  else if (green) void job.waitForLine(/^Waiting for checks/).then(green.pass, () => undefined);
  else if (options.approveAs.length === 0 && scenario.expect !== 'denied' && options.scenario !== 'auto') {
    print(
      `\nOpen the sandbox to approve (or deny): ${sandbox.url}\n(pick who clicks at the top right; only eligible approvers count; or reply /approve under the commit)\nOr sign in to the approval page beside it: ${h.url}/requests\n`,
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
        if (run.external_id) await afterClicks(h, run.external_id, options.approveAs, print);
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
    await h.jobCompleted(step);
    if (requestId) await h.settled(requestId);
    const timeline = await buildTimeline(h, requestId ? [requestId] : [], started, resumed, result);
    // A reviewer who denies on purpose has seen the demo work: a denial by a vote is a success too.
    const deniedByVote =
      result.outputs.status === 'denied' &&
      requestId !== undefined &&
      (await h.runtime.store.votes(requestId)).some((v) => v.decision === 'deny');
    return { ok: result.outputs.status === scenario.expect || deniedByVote, result, timeline };
  });
  Object.assign(running, { job, done });
  return {
    sandboxUrl: sandbox.url,
    pageUrl: `${h.url}/requests`,
    harness: h,
    job,
    done,
    stop,
  };
}

/** What the demo's stop must end first: the job, if one runs, and what waits on it. */
interface Running {
  stopping: boolean;
  job?: CompositeRun;
  done?: Promise<unknown>;
}

const GATE_RUN = 4242;
const GATE_ENVIRONMENT = 'production';

/**
 * The "gate" scenario: GitHub asks the app whether a job may enter environment production
 * (deployment_protection_rule.requested) before the job gets a runner. Once the gate is approved
 * and GitHub has the app's answer, the job runs: its step asks for a token and gets it without a
 * second vote.
 */
async function startGate(
  h: AppHarness,
  options: DemoOptions,
  sandboxUrl: string,
  started: number,
  stop: () => Promise<void>,
  running: Running,
): Promise<Demo> {
  const { print } = options;
  const run = h.sim.world.addRun(h.repo, { id: GATE_RUN, actor: 'dana' });
  print(
    `  gh  | run ${run.id}'s job "deploy" needs environment ${GATE_ENVIRONMENT}: GitHub asks the app (deployment_protection_rule.requested)`,
  );
  await h.hooks.deploymentProtectionRuleRequested(h.repo, run, GATE_ENVIRONMENT);
  print('  job | the job waits for the gate before it gets a runner');
  const check = h.repo.checkRuns.find((c) => c.head_sha === run.headSha);
  if (check)
    print(
      `  gh  | the pending gate's check run "${check.name}" on ${check.head_sha.slice(0, 7)}: ${check.conclusion ?? check.status}, ${check.output.title ?? ''}`,
    );
  if (options.approveAs.length === 0)
    print(
      `\nOpen the sandbox to approve (or deny) the gate: ${sandboxUrl}\n(pick who clicks at the top right; only eligible approvers count)\nOr sign in to the approval page beside it: ${h.url}/requests\n`,
    );
  else if (check) {
    for (const user of options.approveAs) {
      print(`  you | ${user} clicks Approve`);
      await h.click(check.id, user);
    }
    if (check.external_id) await afterClicks(h, check.external_id, options.approveAs, print);
  }
  let job: CompositeRun | undefined;
  const done = (async () => {
    let answer = h.repo.gateReviews.find((r) => r.runId === run.id);
    while (!answer) {
      if (running.stopping) throw new Error('the demo stopped before the gate was answered');
      await new Promise((r) => setTimeout(r, 50));
      answer = h.repo.gateReviews.find((r) => r.runId === run.id);
    }
    print(
      `  gh  | GitHub recorded the app's answer for ${answer.environment}: ${answer.state}, "${answer.comment}"`,
    );
    const gateId =
      (await h.runtime.store.auditEvents()).find((e) => e.type === 'request')?.requestId ?? undefined;
    if (gateId) await h.settled(gateId);
    if (answer.state !== 'approved') {
      const result: RunResult = {
        conclusion: 'failure',
        outputs: { status: 'denied' },
        steps: [],
        log: [],
        summary: '',
        masks: [],
      };
      print('  job | GitHub fails the job without giving it a runner');
      const timeline = await buildTimeline(
        h,
        gateId ? [gateId] : [],
        started,
        Date.now(),
        result,
        'job failed  ',
      );
      const deniedByVote =
        gateId !== undefined && (await h.runtime.store.votes(gateId)).some((v) => v.decision === 'deny');
      return { ok: deniedByVote, result, timeline };
    }
    print('  job | the job gets a runner; its step asks for a token in the approved environment');
    const step = await h.step({ runId: run.id, environment: GATE_ENVIRONMENT });
    job = running.job = h.actionStep(
      step,
      { action: SCENARIOS.gate.action, reason: 'demo: gate' },
      { onLine: (line) => print(`  job | ${line}`) },
    );
    const result = await job.result;
    const ended = Date.now();
    const token = result.outputs.token;
    if (token) {
      const { read, beyond } = await h.tokenReach(token, '.approvals/demo.yml');
      print(
        `  job | the token reads .approvals/demo.yml: HTTP ${read}; creating a check run, beyond its permissions: HTTP ${beyond}`,
      );
    }
    const requestId = result.outputs['request-id'];
    await h.jobCompleted(step);
    if (requestId) await h.settled(requestId);
    const ids = [gateId, requestId].filter((id): id is string => id !== undefined);
    const timeline = await buildTimeline(h, ids, started, ended, result, 'job ended   ');
    const votes = requestId ? await h.runtime.store.votes(requestId) : [];
    return { ok: result.outputs.status === 'approved' && votes.length === 0, result, timeline };
  })();
  running.done = done;
  return {
    sandboxUrl,
    pageUrl: `${h.url}/requests`,
    harness: h,
    get job(): CompositeRun {
      if (!job) throw new Error('the job has no runner until its gate is approved');
      return job;
    },
    done,
    stop,
  };
}
