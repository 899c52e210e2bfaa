// BENCHMARKS.md's sections on the app's edges: the mint journal's window, the GitHub call budget
// of one approval, and a job gate's answer.
import { evidenceCalls } from './app-evidence.ts';
import { apiCalls, gateLatency } from './app.ts';
import { mintWindow } from './mint-window.ts';
import { fmt, machine, verdict } from './report.ts';

export async function mintJournal(): Promise<string> {
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
export async function budget(): Promise<string> {
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
  revoked). The policies are cached (\`POLICY_CACHE_SECONDS\` 60, dropped by a push), and the
  workflow file that verifies the step's job was read at this commit by the warm-up request (a file
  at a commit never changes): no content read is left.
- Target (issue 13): at most 8 calls in all, and none while waiting. Measured: **${calls.total}**
  in all (${calls.total <= 8 ? 'met' : '**missed**'}), **${calls.whileWaiting}** during a 20 s wait.

| operation | calls |
| --- | ---: |
${ops}
`;
}

export async function gate(): Promise<string> {
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

export async function evidence(): Promise<string> {
  const r = await evidenceCalls();
  console.log('evidence', JSON.stringify(r));
  const EVIDENCE = [
    'actions/get-workflow-run',
    'checks/list-for-ref',
    'repos/get-combined-status-for-ref',
    'repos/list-pull-requests-associated-with-commit',
    'pulls/list-reviews',
    'repos/compare-commits-with-basehead',
    'repos/get-commit',
    'repos/get-collaborator-permission-level',
  ];
  const plain = r.shapes[0]!;
  const rows = r.shapes
    .map((s) => {
      const extra = EVIDENCE.reduce((n, op) => n + (s.by[op] ?? 0), 0);
      const detail = EVIDENCE.filter((op) => s.by[op])
        .map((op) => `${op.split('/')[1]} ${s.by[op]}`)
        .join(', ');
      return `| ${s.shape} | ${s.calls} | ${extra}${detail ? ` (${detail})` : ''} | ${fmt(s.createMs, 0)} ms |`;
    })
    .join('\n');
  const kind = r.shapes[1]!;
  const kindExtra = EVIDENCE.reduce((n, op) => n + (kind.by[op] ?? 0), 0);
  return `
## Live evidence: GitHub calls per request

- Machine: ${machine()}
- Command: \`node bench/run.ts --only evidence\` (bench/app-evidence.ts), ${new Date().toISOString().slice(0, 10)}
- One request per row, after a warm-up (policies cached, the workflow file read, one earlier approval
  of the action known so that \`changed_paths\` and \`changes\` compare). The policy's entry uses
  every evidence key: \`checks: true\`, \`pull_request\` (2 approvals), \`changed_paths\`, \`changes\`
  and \`verified_commit\`. Calls are counted from the step's request to its 201 (the check run and
  anything after it are the outbox's, and the same with or without evidence).
- Budget (README): checks 3, pull request 2 plus one write-access check per approving reviewer
  (the first 20), changes 1, verified commit 1: on the kind shape (2 approving reviewers) 9; a page
  more per 100 check runs, statuses or reviews (at most 10 pages each; more is unreadable).
  Measured on the kind shape: **${kindExtra}** (${verdict(kindExtra <= 9)}); with no
  evidence in the policy: **${EVIDENCE.reduce((n, op) => n + (plain.by[op] ?? 0), 0)}**. A check finishing on a waiting
  request's commit: **${r.perFinishedCheck}** calls (budget 3, ${verdict(r.perFinishedCheck <= 3)}).

| shape | calls to the 201 | of which evidence | create -> 201 |
| --- | ---: | ---: | ---: |
${rows}
`;
}
