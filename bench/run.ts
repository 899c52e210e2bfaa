// `npm run bench`: runs the benchmarks and writes their section of BENCHMARKS.md
// (`--only NAME` for one section).
import { FILE, writeSection } from './report.ts';
import { app } from './sections-app.ts';
import { budget, evidence, gate, mintJournal } from './sections-edges.ts';
import { cli, policyEngine, simulator } from './sections-engine.ts';
import { longPolls, matrix } from './sections-scale.ts';

const only =
  process.argv.indexOf('--only') === -1 ? undefined : process.argv[process.argv.indexOf('--only') + 1];
const sections: [string, () => Promise<string>][] = [
  ['policy-engine', policyEngine],
  ['cli', cli],
  ['simulator', simulator],
  ['app', app],
  ['long-polls', longPolls],
  ['matrix', matrix],
  ['mint-window', mintJournal],
  ['budget', budget],
  ['evidence', evidence],
  ['gate', gate],
];
for (const [name, measure] of sections) if (!only || only === name) await writeSection(name, await measure());
console.log(`wrote ${FILE.pathname}`);
