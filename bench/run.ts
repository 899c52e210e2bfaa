// `npm run bench`: runs the benchmarks and writes their section of BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { cpus, totalmem, platform, release } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import {
  compilePolicies,
  decisionsPerSecond,
  leadingWildcardSources,
  medianMs,
  policySources,
  requestMix,
} from './policy-engine.ts';
import { loadPolicies } from '../app/policy/load.ts';
import { simulatorStartup } from './simulator.ts';
import { mintWindow } from './mint-window.ts';
import {
  apiCalls,
  approvalLatency,
  autoApprovedStep,
  concurrentLongPolls,
  creationThroughput,
  gateLatency,
  type Throughput,
} from './app.ts';

const FILE = new URL('../BENCHMARKS.md', import.meta.url);
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });

function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${fmt(totalmem() / 2 ** 30, 1)} GiB; ${platform()} ${release()}; Node ${process.version}`;
}

/** Replaces (or appends) the block between `<!-- bench:NAME -->` markers. */
async function writeSection(name: string, body: string): Promise<void> {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const current = await readFile(FILE, 'utf8').catch(
    () => '# Benchmarks\n\nWritten by `npm run bench`; each section is replaced when it runs again.\n',
  );
  const block = `${begin}\n${body.trim()}\n${end}`;
  const at = current.indexOf(begin);
  const next =
    at === -1
      ? `${current.trimEnd()}\n\n${block}\n`
      : `${current.slice(0, at)}${block}${current.slice(current.indexOf(end) + end.length)}`;
  await writeFile(FILE, next);
}

async function policyEngine(): Promise<string> {
  const compileRows: string[] = [];
  let compile1000 = 0;
  for (const count of [10, 100, 1000]) {
    const sources = policySources(count);
    const ms = medianMs(count === 1000 ? 7 : 15, () => {
      if (!loadPolicies(sources).ok) throw new Error('invalid benchmark policies');
    });
    if (count === 1000) compile1000 = ms;
    compileRows.push(`| ${count} | ${sources.length} | ${fmt(ms, 1)} ms |`);
    console.log(`compile ${count} policies: ${fmt(ms, 1)} ms`);
  }
  const policies = compilePolicies(100);
  const { rate, outcomes } = decisionsPerSecond(policies, requestMix(100));
  console.log(`evaluate with 100 policies: ${fmt(rate)} decisions/s`, outcomes);
  const rate1000 = decisionsPerSecond(compilePolicies(1000), requestMix(1000)).rate;
  const leading100 = decisionsPerSecond(
    compilePolicies(100, leadingWildcardSources(100)),
    requestMix(100),
  ).rate;
  const leading1000 = decisionsPerSecond(
    compilePolicies(1000, leadingWildcardSources(1000)),
    requestMix(1000),
  ).rate;
  console.log(
    '1,000 policies; leading wildcards at 100 and 1,000:',
    fmt(rate1000),
    fmt(leading100),
    fmt(leading1000),
  );
  const mix = Object.entries(outcomes)
    .map(([k, v]) => `${k} ${fmt(v / 10)}%`)
    .join(', ');
  const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');
  return `
## Policy engine

- Machine: ${machine()}
- Command: \`npm run bench\` (bench/run.ts), ${new Date().toISOString().slice(0, 10)}

Compiling = reading YAML, schema validation, the checks beyond the schema, and compiling globs and
windows (\`loadPolicies\`), median of several runs, files of up to 50 policies:

| policies | files | compile time |
| ---: | ---: | ---: |
${compileRows.join('\n')}

Evaluation = \`evaluate(policies, request, votes, membership, now)\` on one thread against 100
compiled policies, over a fixed mix of 1,000 requests (outcomes: ${mix}): pending deploys with one
vote, deploys approved by two votes (one through a team), bot auto-approvals, actions no policy
covers, and requests inside a freeze; a third of the policies have time windows in three zones.

| measure | result | target | |
| --- | ---: | ---: | --- |
| decisions per second, 100 policies | ${fmt(rate)} | 100,000 | ${verdict(rate >= 100_000)} |
| decisions per second, 1,000 policies | ${fmt(rate1000)} | — | |
| decisions per second, 100 policies with leading-wildcard globs | ${fmt(leading100)} (before: 49,188) | 100,000 | ${verdict(leading100 >= 100_000)} |
| decisions per second, 1,000 policies with leading-wildcard globs | ${fmt(leading1000)} (before: 1,242) | 10,000 | ${verdict(leading1000 >= 10_000)} |
| compile 1,000 policies | ${fmt(compile1000, 1)} ms | < 1,000 ms | ${verdict(compile1000 < 1000)} |

Leading-wildcard globs (issue 18): the same policies with \`action: ["*-svc7", "*-svc7-web"]\`. The
index of literal action prefixes had nothing to index them by, so every request was matched
against every policy and the rate fell faster than the policy count grew ("before", measured on
this machine just before the change). Patterns that start with a glob are now indexed by their
literal suffix as well (\`app/policy/policy-index.ts\`; property-tested equal to a full scan in
\`test/policy/policy-index.test.ts\`). A pattern with globs at both ends (\`*-svc7-*\`) is still
matched against every request.
`;
}

async function simulator(): Promise<string> {
  const r = await simulatorStartup();
  console.log('simulator', r);
  return `
## Local GitHub simulator (test harness)

- Machine: ${machine()}
- Command: \`npm run bench\` (bench/simulator.ts), ${new Date().toISOString().slice(0, 10)}

| measure | median of 10 |
| --- | ---: |
| extract the served operations from the 13 MB description (first run in a checkout, then cached on disk) | ${fmt(r.coldExtractMs)} ms (once) |
| construct the simulator (incl. a fresh RSA app key), seed a repo, listen | ${fmt(r.startMs, 1)} ms |
| first round trip: app JWT -> installation token -> \`GET /repos/{owner}/{repo}\`, all validated | ${fmt(r.firstCallMs, 1)} ms |
`;
}

async function app(): Promise<string> {
  const ms = (n: number): string => `${fmt(n, 1)} ms`;
  const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');
  const latSqlite = await approvalLatency({ store: 'SQLite', paced: false }, 200);
  const latPg = await approvalLatency({ store: 'PostgreSQL', paced: false }, 200);
  const latPaced = await approvalLatency({ store: 'SQLite', paced: true }, 20);
  console.log('latency', latSqlite, latPg, latPaced);
  const waitSeconds = 180;
  const calls = await apiCalls(waitSeconds);
  console.log('calls', calls);
  const N = 1000;
  const rows: { label: string; r: Throughput }[] = [];
  for (const store of ['SQLite', 'PostgreSQL'] as const) {
    const one = await creationThroughput({ store, paced: false, appProcess: true }, N);
    rows.push({ label: `${store}, one installation (writes unpaced, one at a time)`, r: one });
    const many = await creationThroughput({ store, paced: true, appProcess: true, installations: 50 }, N);
    rows.push({ label: `${store}, 50 installations, default write limits`, r: many });
    console.log('create', store, one, many);
  }
  const best = Math.max(...rows.map((x) => x.r.perSecond));
  const step = await autoApprovedStep(10);
  console.log('auto step', step);
  const pollingPerHour = 360;
  const waitingPerHour = (calls.whileWaiting / waitSeconds) * 3600;
  return `
## The app

- Machine: ${machine()}
- Command: \`npm run bench\` (bench/app.ts), ${new Date().toISOString().slice(0, 10)}
- Setup: the real Probot server and the real step client on loopback, against the local GitHub
  simulator (which validates every request and response against GitHub's description) and its
  OIDC issuer. For the latency and call counts the app runs in the benchmark's process; for
  creation throughput it runs in its own process, started as \`npm start\` starts it, so its CPU
  can be read apart from the simulator's and the clients'. Two cores in all, shared by the app,
  the simulator, the clients and PostgreSQL.
- Write limits: the app writes to GitHub one request at a time per installation; by default a
  burst of 20 goes at once and then 60 a minute (\`GITHUB_WRITE_BURST\`,
  \`GITHUB_WRITES_PER_MINUTE\`). "Unpaced" sets the rate to 0 (still one at a time).

| measure | result | target | |
| --- | ---: | ---: | --- |
| approval to resume, SQLite, p50 / p99 (${latSqlite.n} requests) | ${ms(latSqlite.p50)} / ${ms(latSqlite.p99)} | 50 / 250 ms | ${verdict(latSqlite.p50 <= 50 && latSqlite.p99 <= 250)} |
| approval to resume, PostgreSQL, p50 / p99 (${latPg.n} requests) | ${ms(latPg.p50)} / ${ms(latPg.p99)} | 50 / 250 ms | ${verdict(latPg.p50 <= 50 && latPg.p99 <= 250)} |
| approval to resume, default write limits, p50 / p99 (${latPaced.n} sequential) | ${ms(latPaced.p50)} / ${ms(latPaced.p99)} | 50 / 250 ms | ${verdict(latPaced.p50 <= 50 && latPaced.p99 <= 250)} |
| GitHub API calls for one approved request (request, approval, job end) | ${calls.total} | at most 6 | ${verdict(calls.total <= 6)} |
| GitHub API calls while a request waits ${waitSeconds} s (the step long-polling) | ${calls.whileWaiting} | 0 | ${verdict(calls.whileWaiting === 0)} |
${rows.map(({ label, r }) => `| request creation, ${label}, 16 at a time, ${fmt(N)} requests | ${fmt(r.perSecond)}/s (app CPU ${ms(r.appCpuMs!)} a request) | 300/s | ${verdict(r.perSecond >= 300)} |`).join('\n')}
| auto-approved step (\`node action/dist/index.js\`), start to exit, median of 10 | ${ms(step)} | 500 ms | ${verdict(step < 500)} |

Calls per approved request, by operation: ${Object.entries(calls.perRequest)
    .map(([k, v]) => `\`${k}\` ${v}`)
    .join(', ')}
(the contents reads are conditional: a 304 costs no rate limit). While a request waits, the step
long-polls the app and the app asks GitHub nothing: ${fmt(waitingPerHour)} calls an hour of waiting.
An issue-polling approval action lists comments every 10 s: ${pollingPerHour} calls an hour,
${calls.whileWaiting === 0 ? 'against none here' : `${fmt(pollingPerHour / waitingPerHour)} times as many`}.

Request creation, where the time goes (CPU profile of the app process, \`node --cpu-prof\`): the
app is CPU-bound at ${ms(Math.min(...rows.map((x) => x.r.appCpuMs!)))}–${ms(Math.max(...rows.map((x) => x.r.appCpuMs!)))} a request, spread over
Octokit's request pipeline (endpoint parsing, the retry plugin's Bottleneck queue, undici, JSON
parsing of GitHub's answer), the store's transactions, RS256 verification of the OIDC token, and
logging; no single part dominates. Fixed in issue 6: one Octokit client per installation instead
of one per call; requests that arrive together share one conditional read of the policies;
prepared SQLite statements are reused (together 9.2 -> about 5 ms a request on SQLite); and
Octokit's throttling plugin is replaced by a small per-installation write queue
(\`app/github/octokit-class.ts\`): its Bottleneck queues had added ~24 ms to the median
approval (52 -> 29 ms, SQLite, 60 sequential approvals). **The 300/s target is missed on this
machine: best ${fmt(best)}/s.** The rest is capacity: one instance is one Node.js thread, so it
creates about 1,000 / (CPU ms a request) requests a second on a core of its own, and instances
on PostgreSQL add up; here the simulator, the 16 clients and PostgreSQL share the second core.
One installation's creations are further bound by its writes, which go one at a time (GitHub's
advice against secondary rate limits) and, against github.com, at GitHub's pace; 50 installations' writes go side by side.
`;
}

async function longPolls(): Promise<string> {
  const r = await concurrentLongPolls(5_000);
  console.log('long-polls', r);
  const ok = r.errors === 0 && r.held === r.n;
  return `
## Concurrent waiting steps

- Machine: ${machine()}
- Command: \`npm run bench\` (bench/app.ts \`concurrentLongPolls\`), ${new Date().toISOString().slice(0, 10)}
- The app in its own process, started as \`npm start\` starts it (\`--max-semi-space-size=8\`);
  ${fmt(r.n)} steps each create a request, then all long-poll the one instance at once (opened
  in waves of 250; the app's \`jit_long_polls\` gauge confirms each wave is held). RSS is the
  app process's VmRSS.

| measure | result | target | |
| --- | ---: | ---: | --- |
| long-polls held at once, errors | ${fmt(r.held)}, ${r.errors} errors | 5,000, none | ${ok ? 'met' : '**missed**'} |
| app RSS after creating the ${fmt(r.n)} requests, before the waits | ${fmt(r.rssBeforeMb)} MB | — | |
| app RSS holding all ${fmt(r.n)} waits | ${fmt(r.rssHoldingMb)} MB | under 300 MB | ${r.rssHoldingMb < 300 ? 'met' : '**missed**'} |
| RSS per 1,000 held long-polls | ${fmt(r.perThousandMb, 1)} MB | — | |

Without \`--max-semi-space-size=8\`, V8 sizes the young generation for the machine's 24 GiB and
the same process settles about 100 MB higher (measured: ~330 MB after 5,000 requests, against
~235 MB with the flag), with no measurable change in creation throughput.
`;
}

async function mintJournal(): Promise<string> {
  const ms = (n: number): string => `${fmt(n, 2)} ms`;
  const rows: string[] = [];
  for (const store of ['SQLite', 'PostgreSQL'] as const) {
    const w = await mintWindow(store, 200);
    console.log('mint window', store, w);
    rows.push(
      `| ${store} | ${ms(w.wire.p50)} / ${ms(w.wire.p99)} / ${ms(w.wire.max)} | ${ms(w.app.p50)} / ${ms(w.app.p99)} / ${ms(w.app.max)} |`,
    );
  }
  return `
## The mint journal's window

- Machine: ${machine()}
- Command: \`npm run bench\` (bench/mint-window.ts), ${new Date().toISOString().slice(0, 10)}
- 200 auto-approved grants one after another, the app in the benchmark's process. A token is
  journalled (sealed, in its own transaction) right after GitHub's answer; a crash after that
  leaves it to the sweep, which revokes it. Only a crash inside this window loses track of a token
  (it then lapses at GitHub's one-hour expiry, and the sweep audits \`token_mint_unknown\`).

| store | GitHub's answer sent -> journalled, p50 / p99 / max | token handed to the app -> journalled, p50 / p99 / max |
| --- | ---: | ---: |
${rows.join('\n')}
`;
}

/** Issue 13's budget: GitHub calls for one approved request with one approver, notice included. */
async function budget(): Promise<string> {
  const calls = await apiCalls(20);
  console.log('budget', calls);
  const ops = Object.entries(calls.perRequest)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `| \`${op}\` | ${n} |`)
    .join('\n');
  return `
## GitHub calls per approved request, with the approvers told

- Machine: ${machine()}
- Command: \`npm run bench -- --only budget\` (bench/app.ts \`apiCalls\`), ${new Date().toISOString().slice(0, 10)}
- One request with one approver, \`notify\` at its default (a comment on the commit), from the
  step's request through the approval, the step collecting its token, to the job's end (token
  revoked). The policies are cached (\`POLICY_CACHE_SECONDS\` 60, dropped by a push): the one
  content read is the workflow file that verifies the step's job.
- Target (issue 13): at most 8 calls in all, and none while waiting. Measured: **${calls.total}**
  in all (${calls.total <= 8 ? 'met' : '**missed**'}), **${calls.whileWaiting}** during a 20 s wait.

| operation | calls |
| --- | ---: |
${ops}
`;
}

/** `jit-approvals validate` of the examples, run directly as a user runs it (wall time, median of 11). */
async function cli(): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < 11; i++) {
    const start = performance.now();
    const run = spawnSync(process.execPath, ['bin/jit-approvals.js', 'validate', 'examples/.approvals']);
    if (run.status !== 0) throw new Error(`validate failed: ${run.stderr.toString()}`);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const ms = times[5]!;
  console.log('cli validate', ms);
  return `
## The command line: \`validate\` of the examples

- Machine: ${machine()}
- Command: \`node bench/run.ts --only cli\` (after \`npm run build\`), ${new Date().toISOString().slice(0, 10)}
- \`node bin/jit-approvals.js validate examples/.approvals\`, a new process each time, wall time
  from spawn to exit, median of 11. Node itself starts in about 20 ms on this machine.

| measure | result | target | |
| --- | ---: | ---: | --- |
| validate the examples | ${fmt(ms)} ms (before: about 175 ms) | 150 ms | ${ms <= 150 ? 'met' : '**missed**'} |

Before (issue 18), each run compiled both JSON schemas with Ajv (about 60 ms, and 20 ms more of
garbage collection). The validators are now precompiled by \`npm run schema:sync\`
(\`app/policy/validators.generated.ts\`, Ajv's standalone code with the same options; a test fails
when they fall behind the schemas).
`;
}

async function gate(): Promise<string> {
  const ms = (n: number): string => `${fmt(n, 1)} ms`;
  const r = await gateLatency({ store: 'SQLite', paced: false }, 100);
  console.log('gate', r);
  return `
## Job gate: the deciding vote to GitHub's recorded answer

- Machine: ${machine()}
- Command: \`node bench/run.ts --only gate\` (bench/app.ts \`gateLatency\`), ${new Date().toISOString().slice(0, 10)}
- ${r.n} job gates one after another (after one warm-up), SQLite, writes unpaced (one at a time),
  the app in the benchmark's process. Each: GitHub's \`deployment_protection_rule.requested\` for a
  new run's environment \`production\` (policy: one approval from alice), the gate's check run,
  then alice's click. Measured from the click's webhook delivery (\`check_run.requested_action\`)
  to the moment the simulator's \`POST /repos/{o}/{r}/actions/runs/{run_id}/deployment_protection_rule\`
  route records the app's answer (\`approved\`), which lets the job have a runner.

| measure | p50 | p99 |
| --- | ---: | ---: |
| deciding vote delivered -> GitHub has the gate's answer | ${ms(r.p50)} | ${ms(r.p99)} |
`;
}

const only =
  process.argv.indexOf('--only') === -1 ? undefined : process.argv[process.argv.indexOf('--only') + 1];
const sections: [string, () => Promise<string>][] = [
  ['policy-engine', policyEngine],
  ['cli', cli],
  ['simulator', simulator],
  ['app', app],
  ['long-polls', longPolls],
  ['mint-window', mintJournal],
  ['budget', budget],
  ['gate', gate],
];
for (const [name, measure] of sections) if (!only || only === name) await writeSection(name, await measure());
console.log(`wrote ${FILE.pathname}`);
