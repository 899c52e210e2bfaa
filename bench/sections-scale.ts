// BENCHMARKS.md's sections on holding many at once: a matrix of 256 jobs, 10,000 waiting steps.
import { concurrentLongPolls, matrixBurst, sharedPacing } from './app.ts';
import { fmt, machine, verdict } from './report.ts';

/** Issue 18: a matrix of 256 jobs asking at once, then one vote resuming them all. */
export async function matrix(): Promise<string> {
  const r = await matrixBurst({ store: 'SQLite', paced: true }, 256);
  const p = await matrixBurst({ store: 'PostgreSQL', paced: true }, 256);
  console.log('matrix', r, p);
  const pacing = await sharedPacing();
  console.log('shared pacing', pacing);
  const s = (ms: number): string => `${fmt(ms / 1000, 2)} s`;
  return `
## A matrix of 256 jobs

- Machine: ${machine()}
- Command: \`node bench/run.ts --only matrix\` (bench/app.ts \`matrixBurst\`), ${new Date().toISOString().slice(0, 10)}
- 256 jobs of one matrix (one job key, \`deploy (0)\` … \`deploy (255)\`) ask at once in one run; the
  app in its own process (as \`npm start\` runs it), default write limits (a burst of 20, then 60 a
  minute per installation), policy: one approval from alice. Waiting: from the first ask to every
  leg answered 201 and GitHub showing the one check run with all 256 jobs. Resumed: from the
  vote's click to every leg holding its decrypted token. App CPU is the app process's CPU time in
  that phase (the simulator and the 256 clients run in the benchmark's process).

| measure | before | SQLite | PostgreSQL | target | |
| --- | ---: | ---: | ---: | ---: | --- |
| every leg waiting, its check run shown with all of them | 47 s for 64 legs (about 236 s for 256) | ${s(r.shownMs)} (app CPU ${s(r.waitingCpuMs)}) | ${s(p.shownMs)} (app CPU ${s(p.waitingCpuMs)}) | 5 s | ${verdict(r.shownMs <= 5000 && p.shownMs <= 5000)} |
| check runs; writes to GitHub for the 256 asks | 1; 65 for 64 legs | ${r.checkRuns}; ${r.writes} | ${p.checkRuns}; ${p.writes} | 1 | ${verdict(r.checkRuns === 1 && p.checkRuns === 1)} |
| one vote resumes all 256 legs | 3.6 s (app in the benchmark's process) | ${s(r.resumedMs)} (app CPU ${s(r.resumedCpuMs)}) | ${s(p.resumedMs)} (app CPU ${s(p.resumedCpuMs)}) | 1 s | ${verdict(r.resumedMs <= 1000 && p.resumedMs <= 1000)} |

Before, each joining leg updated the check run under the request's lock (one paced write each: the
256th leg waited minutes), and each leg's token was minted in its own lock section with its own
read and save of a request that grows with every leg. Now legs that join together share check-run
updates sent after the lock (\`CheckRunSends\`); the steps one notification wakes share one read;
and the first step to take the lock mints the tokens of every step waiting on this instance, 16 at
a time, and stores them in one save (\`grantLegs\`). Each leg still gets a token of its own (256
mints), encrypted to its own key. The resume time includes 256 token mints answered by the
simulator and 256 decryptions by the clients, all in the benchmark's process on the same two cores;
${r.resumedMs <= 1000 ? '' : `**missed by ${s(Math.max(r.resumedMs, p.resumedMs) - 1000)}**. The app's own CPU in the phase is ${s(r.resumedCpuMs)} (SQLite), about ${fmt(r.resumedCpuMs / r.legs, 1)} ms a leg: each leg's mint goes through Octokit (the pipeline that dominates a creation's CPU, above), and each token is encrypted to its leg's key, journalled and audited. A token per leg is by design (each is revoked when its own job ends); meeting 1 s here needs the leaner GitHub client named above.`}

Write pacing is shared by instances on one PostgreSQL (\`reserveWrite\`: the installation's next
write slot in the database, GCRA), so N instances together keep one installation's pace. Two
instances writing ${pacing.total / 2} check runs each to one installation at once, with
\`GITHUB_WRITES_PER_MINUTE=${pacing.perMinute}\` and \`GITHUB_WRITE_BURST=${pacing.burst}\`: after the burst, GitHub
received **${fmt(pacing.perMinuteSeen)} writes a minute from both together** (${verdict(pacing.perMinuteSeen <= pacing.perMinute * 1.05)}: ${pacing.perMinute}, within 5% for the jitter
of arrival times; before, each instance paced alone, so two made up to twice as many).
\`test/app/github-limits-shared.test.ts\` checks the same.
`;
}

export async function longPolls(): Promise<string> {
  const r = await concurrentLongPolls(10_000);
  console.log('long-polls', r);
  const ok = r.errors === 0 && r.held === r.n;
  return `
## Concurrent waiting steps

- Machine: ${machine()}
- Command: \`node bench/run.ts --only long-polls\` (bench/app.ts \`concurrentLongPolls\`), ${new Date().toISOString().slice(0, 10)}
- The app in its own process, started as \`npm start\` starts it (\`--max-semi-space-size=8\`), plus
  \`--inspect\`: through the inspector the benchmark has the app run full garbage collections and
  read \`process.memoryUsage()\` in its own process. ${fmt(r.n)} steps each create a request, then
  all long-poll the one instance at once (opened in waves of 250; the app's \`jit_long_polls\`
  gauge confirms each wave is held).

| measure | before | now | target | |
| --- | ---: | ---: | ---: | --- |
| long-polls held at once, errors | 5,000, 0 | ${fmt(r.held)}, ${r.errors} | ${fmt(r.n)}, none | ${verdict(ok)} |
| app RSS after its GC, after creating the ${fmt(r.n)} requests | — | ${fmt(r.rssBeforeMb)} MB | — | |
| app RSS after its GC, holding all ${fmt(r.n)} waits | — | ${fmt(r.rssHoldingMb)} MB | 300 MB | ${verdict(r.rssHoldingMb <= 300)} |
| RSS per 1,000 held long-polls, after the app's GC | 20.5 MB | ${fmt(r.perThousandMb, 1)} MB | 8 MB | ${verdict(r.perThousandMb <= 8)} |

"Before": 20.5 MB per 1,000 measured the same way on this machine just before issue 18's changes
(2,000 waits); the earlier figure of 6.3 MB had the benchmark collect its own garbage, not the
app's. A held wait now keeps neither a copy of its request nor the step's verified claims nor
its OIDC token (taken off the request's headers once verified), nor the parsed URL; its wake-up,
abort and timeout share one closure, and an AbortController gave way to a lighter \`Hangup\`.
What remains per held poll (a sampling heap profile of 1,000, and RSS against heap growth): about
10 KB of JS heap, of which about 4 KB is Node's HTTP server's own for the connection (socket,
parser, request and response objects) and the rest is allocated under the app's frames (the wait
and its timer, listeners on the response, the long-poll limits, the access log line's state), and
about 6.7 KB of native memory per connection. **Missed: about ${fmt(r.perThousandMb, 1)} MB per 1,000 against 8.**
Meeting it needs waits that do not each hold an HTTP request and its connection in Node.js (for
example one stream per run for all its waiting steps), a change of the step's protocol not made
here.
`;
}
