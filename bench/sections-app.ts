// BENCHMARKS.md's section on the app: latency, calls, CPU and round trips per request.
import { apiCalls, approvalLatency, autoApprovedStep, creationThroughput, pgRoundTrips } from './app.ts';
import { fmt, machine, verdict } from './report.ts';

export async function app(): Promise<string> {
  const ms = (n: number): string => `${fmt(n, 1)} ms`;
  const latSqlite = await approvalLatency({ store: 'SQLite', paced: false }, 200);
  const latPg = await approvalLatency({ store: 'PostgreSQL', paced: false }, 200);
  console.log('latency', latSqlite, latPg);
  const waitSeconds = 180;
  const calls = await apiCalls(waitSeconds);
  console.log('calls', calls);
  const N = 1000;
  const sqlite = await creationThroughput(
    { store: 'SQLite', paced: true, appProcess: true, installations: 50 },
    N,
  );
  const pg = await creationThroughput(
    { store: 'PostgreSQL', paced: true, appProcess: true, installations: 50 },
    N,
  );
  const profiled = await creationThroughput(
    { store: 'SQLite', paced: true, appProcess: true, installations: 50, profile: true },
    400,
  );
  console.log('create', sqlite, pg, profiled.where);
  const trips = await pgRoundTrips(100);
  console.log('round trips', trips);
  const step = await autoApprovedStep(10);
  console.log('auto step', step);
  const between = (l: typeof latSqlite): string =>
    Object.entries(l.calls.ops)
      .map(([op, n]) => `\`${op}\` ${fmt(n / l.n, 2)}`)
      .join(', ');
  const callsPerCreation = Object.entries(sqlite.calls)
    .map(([op, n]) => `\`${op}\` ${fmt(n, 2)}`)
    .join(', ');
  const waitingPerHour = (calls.whileWaiting / waitSeconds) * 3600;
  return `
## The app

- Machine: ${machine()}
- Command: \`npm run bench\` (bench/app.ts), ${new Date().toISOString().slice(0, 10)}
- Setup: the real Probot server and the real step client on loopback, against the local GitHub
  simulator (which validates every request and response against GitHub's description) and its
  OIDC issuer. For the latency and call counts the app runs in the benchmark's process; for CPU
  it runs in its own process, started as \`npm start\` starts it, and its CPU time is read from
  /proc (so neither the simulator's nor the clients' CPU is counted). Two cores in all, shared by
  the app, the simulator, the clients and PostgreSQL. "Before" is the same measure on this machine
  just before issue 18's changes.
- Policies cached as in production (\`POLICY_CACHE_SECONDS\` 60; a push drops them at once).

| measure | before | now | target | |
| --- | ---: | ---: | ---: | --- |
| GitHub calls between the deciding vote's delivery and the step's answer, most in one approval (200 approvals, SQLite) | 3 | ${latSqlite.calls.most} | 1 (the mint) | ${verdict(latSqlite.calls.most <= 1)} |
| the same, PostgreSQL | 3 | ${latPg.calls.most} | 1 (the mint) | ${verdict(latPg.calls.most <= 1)} |
| deciding vote to the step holding its decrypted token, SQLite, p50 / p99 | 24.7 / 49.1 ms | ${ms(latSqlite.p50)} / ${ms(latSqlite.p99)} | 20 / 100 ms | ${verdict(latSqlite.p50 <= 20 && latSqlite.p99 <= 100)} |
| the same, PostgreSQL, p50 / p99 | 33.3 / 70.6 ms | ${ms(latPg.p50)} / ${ms(latPg.p99)} | 20 / 100 ms | ${verdict(latPg.p50 <= 20 && latPg.p99 <= 100)} |
| app CPU per request created, SQLite, 50 installations, default write limits (${fmt(N)} requests) | 7.75 ms | ${ms(sqlite.appCpuMs!)} | 3 ms | ${verdict(sqlite.appCpuMs! <= 3)} |
| the same, PostgreSQL | 11.4 ms | ${ms(pg.appCpuMs!)} | — | |
| PostgreSQL round trips per request created (100, one after another) | 24 | ${fmt(trips.creation, 1)} | 4 | ${verdict(trips.creation <= 4)} |
| PostgreSQL round trips per approval: the deciding vote and the step taking its token | 58 | ${fmt(trips.approval, 1)} | — | |
| GitHub API calls while a request waits ${waitSeconds} s (the step long-polling) | 0 | ${calls.whileWaiting} | 0 | ${verdict(calls.whileWaiting === 0)} |
| auto-approved step (\`node action/dist/index.js\`), start to exit, median of 10 | 200.1 ms | ${ms(step)} | 500 ms | ${verdict(step < 500)} |

**Between the vote and the token.** Calls GitHub had received when the app had written the step's
answer out: ${between(latSqlite)} per approval (SQLite); ${between(latPg)} (PostgreSQL). Before, the
vote's handler updated the check run and the approvers' comment while it held the request's lock,
and the step's mint waited behind both. Now a deciding vote that steps are waiting for leaves the
check run, the comment, a gate's answer and a break-glass review issue until those steps have
their answers (\`finalize\` with \`stepsFirst\`, at most 2 s), and the click's delivery is
answered after them. The policies come from the cache (dropped by a push to the default branch or
the organization's \`.github\`, \`POLICY_CACHE_SECONDS\` as the safety net); with approvers listed
by user no other call is needed (a team vote adds one membership read).

**CPU per request created.** ${fmt(sqlite.perSecond)} requests a second here: the 50 installations
each take 2 writes per request (check run, approvers' comment) at the default pace (a burst of 20,
then 60 a minute), so the app is mostly idle and CPU time is the measure. GitHub calls per request:
${callsPerCreation} (before: a fourth, the workflow file, read again for every request; a file at a
commit never changes, so it is now read once per commit). Where the app's CPU goes (a profile of
400 creations in the app's own process, busy samples only): ${profiled
    .where!.slice(0, 10)
    .map((w) => `${w.part} ${fmt(w.share * 100)}%`)
    .join(', ')}. Octokit's request pipeline, undici and the
JSON parser Octokit uses (json-with-bigint) take over a third of the busy samples; the policy
engine and the store little. @octokit/plugin-retry's per-call Bottleneck queue is gone (the app
repeats GitHub's errors itself, as the plugin did) and the workflow file is read once per commit,
yet CPU per request did not measurably fall (7.75 ms before, with four calls). **Missed by about
${fmt(sqlite.appCpuMs! - 3, 1)} ms:** three GitHub calls a request through Octokit cost more than 3 ms here; meeting it
needs a leaner HTTP client than Octokit for these calls, not done here.

**PostgreSQL round trips.** Counted on the wire by a proxy (bench/pg-proxy.ts: each simple query
and each Sync). Saves without audit events are now one statement (the update and its
notification), the audit chain's lock and both of its ends are read in one call
(\`audit_tail\`), its rows and head written in one, and the run's requests are read once per
creation. **Missed: ${fmt(trips.creation, 1)} against 4.** What is left for a creation: the
run's requests (1), the request's insert (1), its lock (taken and released: 2), its audit event in
a transaction (4), the check run id
and the approvers' comment each saved (2), the request and its votes read back for the check run,
the comment and the step's answer (4). Four would need the insert, its audit event and the check
run's id in one transaction, and reads answered from what was just written.

**Vote to token on PostgreSQL** misses the p50 by a few milliseconds: the deciding vote and the
step taking its token make the round trips counted above (most of them before the step has its
answer: the vote's delivery journal, its lock, the vote and decision with their audit events, then
the step's lock, the mint journal and the save of its token), with the app, the simulator and
PostgreSQL on two cores. Cutting them as for creation is what remains.

**Audit appends** still take the chain's lock, one append at a time across all requests, for the
length of one round trip and the commit (before: five round trips). Not serializing unrelated
requests while keeping one verifiable chain needs events written unchained and linked into the
chain by one sequencer afterwards (the check run's witness would then wait for it); **not done**.

While a request waits, the step long-polls the app and the app asks GitHub nothing:
${fmt(waitingPerHour)} calls an hour of waiting (an issue-polling approval action lists comments every
10 s: 360 calls an hour).
`;
}
