// `npm run bench`: runs the benchmarks and writes their section of BENCHMARKS.md.
import { cpus, totalmem, platform, release } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { compilePolicies, decisionsPerSecond, medianMs, policySources, requestMix } from './policy-engine.ts';
import { loadPolicies } from '../app/policy/load.ts';
import { simulatorStartup } from './simulator.ts';

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

await writeSection('policy-engine', await policyEngine());
await writeSection('simulator', await simulator());
console.log(`wrote ${FILE.pathname}`);
