// BENCHMARKS.md sections of the parts without the app: the policy engine, the simulator, the CLI.
import { spawnSync } from 'node:child_process';
import {
  bothEndsSources,
  compilePolicies,
  decisionsPerSecond,
  leadingWildcardSources,
  literalSources,
  medianMs,
  policySources,
  requestMix,
} from './policy-engine.ts';
import { loadPolicies } from '../app/policy/load.ts';
import { fmt, machine } from './report.ts';
import { simulatorStartup } from './simulator.ts';

export async function policyEngine(): Promise<string> {
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
  // Issue 29: every shape of action pattern at 1,000 policies, three runs each (median and range).
  const shapes: [string, ReturnType<typeof policySources>, string][] = [
    ['literal prefix (`deploy-svc7-*`)', policySources(1000), ' (before: 101,825)'],
    ['literal suffix (`*-svc7-web`)', leadingWildcardSources(1000), ' (before: 122,252)'],
    ['globs at both ends (`*-svc7-*`)', bothEndsSources(1000), ' (before: 309)'],
    ['no glob (`deploy-svc7-web`)', literalSources(1000), ' (before: 181,460)'],
  ];
  const shapeRows = shapes.map(([name, sources, before]) => {
    const compiled = compilePolicies(1000, sources);
    const inputs = requestMix(1000);
    const rates = [1, 2, 3].map(() => decisionsPerSecond(compiled, inputs, 1).rate).sort((a, b) => a - b);
    console.log(`1,000 policies, ${name}:`, rates.map((r) => fmt(r)).join(', '));
    return `| ${name} | ${fmt(rates[1]!)}${before} | ${fmt(rates[0]!)}–${fmt(rates[2]!)} | 100,000 | ${rates[0]! >= 100_000 ? 'met' : '**missed**'} |`;
  });
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
\`test/policy/policy-index.test.ts\`).

Every shape at 1,000 policies (issue 29), the same request mix, three runs of about a second each
(median, and the lowest to the highest; "met" only when the lowest is). Patterns with globs at both
ends (\`*-svc7-*\`) had nothing to index them by and were matched against every request ("before":
measured on this machine just before the change, 2026-12-08; the other rows' "before" is the same
day's run before patterns without a glob were looked up exactly). They are now found by the longest literal fragment a matching
action must contain, all fragments in one pass over the action (an Aho-Corasick automaton,
\`app/policy/fragment-index.ts\`); each candidate is still matched in full, property-tested equal
to a full scan. Patterns without a glob are looked up by the whole action (they can match no other).

| 1,000 policies, action patterns | decisions/s (median) | range | target | |
| --- | ---: | ---: | ---: | --- |
${shapeRows.join('\n')}
`;
}

export async function simulator(): Promise<string> {
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

/** `jit-approvals validate` of the examples, run directly as a user runs it (wall time, median of 11). */
export async function cli(): Promise<string> {
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
