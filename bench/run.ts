// `npm run bench`: runs the benchmarks and writes their section of BENCHMARKS.md.
import { cpus, totalmem, platform, release } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { compilePolicies, decisionsPerSecond, medianMs, policySources, requestMix } from './policy-engine.ts';
import { loadPolicies } from '../app/policy/load.ts';
import { simulatorStartup } from './simulator.ts';
import {
  apiCalls,
  approvalLatency,
  autoApprovedStep,
  concurrentLongPolls,
  creationThroughput,
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
| compile 1,000 policies | ${fmt(compile1000, 1)} ms | < 1,000 ms | ${verdict(compile1000 < 1000)} |
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
  const latSqlite = await approvalLatency({ store: 'SQLite', throttled: false }, 200);
  const latPg = await approvalLatency({ store: 'PostgreSQL', throttled: false }, 200);
  const latThrottled = await approvalLatency({ store: 'SQLite', throttled: true }, 20);
  console.log('latency', latSqlite, latPg, latThrottled);
  const waitSeconds = 120;
  const calls = await apiCalls(waitSeconds);
  console.log('calls', calls);
  const createSqlite = await creationThroughput({ store: 'SQLite', throttled: false }, 400);
  const createPg = await creationThroughput({ store: 'PostgreSQL', throttled: false }, 400);
  const createThrottled = await creationThroughput({ store: 'SQLite', throttled: true }, 10, 5);
  console.log('create', createSqlite, createPg, createThrottled);
  const step = await autoApprovedStep(10);
  console.log('auto step', step);
  const pollingPerHour = 360;
  return `
## The app

- Machine: ${machine()}
- Command: \`npm run bench\` (bench/app.ts), ${new Date().toISOString().slice(0, 10)}
- Setup: the real Probot server and the real step client on loopback, with the local GitHub
  simulator **in the same Node.js process** (it validates every request and response against
  GitHub's description, and mints the OIDC tokens): all three share the two cores.
- "Unthrottled" is the app with Octokit's throttling plugin off. "Probot default" keeps the
  throttling that \`npm start\` runs with today, which spaces GitHub writes a second apart.

| measure | result | target | |
| --- | ---: | ---: | --- |
| approval to resume, SQLite, p50 / p99 (${latSqlite.n} requests) | ${ms(latSqlite.p50)} / ${ms(latSqlite.p99)} | 50 / 250 ms | ${verdict(latSqlite.p50 <= 50 && latSqlite.p99 <= 250)} |
| approval to resume, PostgreSQL, p50 / p99 (${latPg.n} requests) | ${ms(latPg.p50)} / ${ms(latPg.p99)} | 50 / 250 ms | ${verdict(latPg.p50 <= 50 && latPg.p99 <= 250)} |
| approval to resume, Probot default throttling, p50 / p99 (${latThrottled.n} sequential) | ${ms(latThrottled.p50)} / ${ms(latThrottled.p99)} | 50 / 250 ms | ${verdict(latThrottled.p50 <= 50 && latThrottled.p99 <= 250)} |
| GitHub API calls for one approved request (request, approval, job end) | ${calls.total} | at most 6 | ${verdict(calls.total <= 6)} |
| GitHub API calls while a request waits ${waitSeconds} s (the step long-polling) | ${calls.whileWaiting} | 0 | ${verdict(calls.whileWaiting === 0)} |
| request creation, SQLite, 16 at a time | ${fmt(createSqlite)}/s | 300/s | ${verdict(createSqlite >= 300)} |
| request creation, PostgreSQL, 16 at a time | ${fmt(createPg)}/s | 300/s | ${verdict(createPg >= 300)} |
| request creation, Probot default throttling | ${fmt(createThrottled, 1)}/s | 300/s | ${verdict(createThrottled >= 300)} |
| auto-approved step (\`node action/dist/index.js\`), start to exit, median of 10 | ${ms(step)} | 500 ms | ${verdict(step < 500)} |

Calls per approved request, by operation: ${Object.entries(calls.perRequest)
    .map(([k, v]) => `\`${k}\` ${v}`)
    .join(', ')}
(the contents reads are conditional: a 304 costs no rate limit). An issue-polling approval action
lists comments every 10 s: ${pollingPerHour} calls an hour of waiting, against ${calls.whileWaiting} here
(${calls.whileWaiting === 0 ? 'no calls at all while waiting' : `a ratio of ${fmt(pollingPerHour / calls.whileWaiting)}:1`}).

Where the misses come from: with throttling on, every write to GitHub (creating the check run,
minting the token) waits for the one before it by a second, so creation runs at about one request
a second; the throttling is Probot's default and has to be tuned for this app (issue 6). Unthrottled,
creation is bound by the simulator's own validation and token signing in the same process; the
figures are a floor for the app, not its ceiling, until the simulator runs in its own process.
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
- ${fmt(r.n)} steps, each with a pending request, long-poll one app instance at once (opened in
  waves of 250; the app's \`jit_long_polls\` gauge confirms each wave is held).

| measure | result | target | |
| --- | ---: | ---: | --- |
| long-polls held at once, errors | ${fmt(r.held)}, ${r.errors} errors | 5,000, none | ${ok ? 'met' : '**missed**'} |
| RSS growth per 1,000 held long-polls | ${fmt(r.perThousandMb, 1)} MB | — | |
| RSS growth for all of them | ${fmt(r.rssHoldingMb - r.rssBeforeMb)} MB | under 300 MB | ${r.rssHoldingMb - r.rssBeforeMb < 300 ? 'met' : '**missed**'} |

The app, the simulator and the ${fmt(r.n)} clients share one process here, so the growth charged to
the waits includes the clients' own sockets and buffers: an upper bound for the app. The process
as a whole held ${fmt(r.rssHoldingMb)} MB (most of it the simulator's state and compiled schemas
and the ${fmt(r.n)} requests created before); an app-only figure needs the app in its own process.
`;
}

const only =
  process.argv.indexOf('--only') === -1 ? undefined : process.argv[process.argv.indexOf('--only') + 1];
const sections: [string, () => Promise<string>][] = [
  ['policy-engine', policyEngine],
  ['simulator', simulator],
  ['app', app],
  ['long-polls', longPolls],
];
for (const [name, measure] of sections) if (!only || only === name) await writeSection(name, await measure());
console.log(`wrote ${FILE.pathname}`);
