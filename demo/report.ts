// What the demo prints about a run: the timeline of a request (from its audit events), and what
// became of clicks made with --approve-as.
import type { RunResult } from '../test/actions-runner/composite-runner.ts';
import type { AppHarness } from '../test/app/harness.ts';

/** `45 s` under a minute, else whole minutes: a 5 s timeout is not "0 min". */
export const duration = (ms: number): string =>
  ms < 60_000 ? `${Math.max(0, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`;

/**
 * After --approve-as clicked: a click that did not count says why, and a request that still waits
 * (nobody who may approve clicked) says that it will time out, and when: the demo does not look stuck.
 */
export async function afterClicks(
  h: AppHarness,
  requestId: string,
  users: readonly string[],
  print: (line: string) => void,
): Promise<void> {
  const ignored = (await h.runtime.store.auditEvents()).filter(
    (e) => e.type === 'vote_ignored' && e.requestId === requestId && users.includes(String(e.data.voter)),
  );
  for (const e of ignored)
    print(`  you | ${String(e.data.voter)}'s click was ignored: ${String(e.data.reason)}.`);
  const request = await h.runtime.store.getRequest(requestId);
  if (request?.status === 'pending' && ignored.length > 0)
    print(
      `  you | nobody who may approve has clicked: the request times out in ${duration(request.expiresAt - Date.now())} (Ctrl-C stops the demo).`,
    );
}

/** A decision's reasons for the timeline; a step the gate let through shows only that. */
function shownReasons(reasons: string[]): string[] {
  const shown = reasons.filter((r) => !/^(governed by|token:|no token)/.test(r));
  const byGate = shown.filter((r) => r.includes('approved by the job gate'));
  return byGate.length > 0 ? byGate : shown;
}

export async function buildTimeline(
  h: AppHarness,
  requestIds: string[],
  started: number,
  resumed: number,
  result: RunResult,
  endLabel = 'job resumed ',
): Promise<string[]> {
  const at = (ms: number): string => `+${((ms - started) / 1000).toFixed(2).padStart(6)}s`;
  const entries: [number, string][] = [];
  const events = (await h.runtime.store.auditEvents()).filter(
    (e) => e.requestId != null && requestIds.includes(e.requestId),
  );
  for (const e of events) {
    const d = e.data;
    if (e.type === 'request')
      entries.push([
        e.at,
        d.action === 'job-gate'
          ? `requested     job-gate by ${String(d.actor)} (run ${String(d.run_id)}, environment ${String(d.environment ?? 'production')}): the job waits for a runner`
          : `requested     ${String(d.action)} by ${String(d.actor)} (run ${String(d.run_id)}, reason "${String(d.reason)}")${d.approved_by_gate ? ', inside the job the gate approved: no second vote' : ''}`,
      ]);
    if (e.type === 'gate_answered')
      entries.push([
        e.at,
        `gate answered GitHub records ${String(d.state)} for environment ${String(d.gate)} (run ${String(d.run_id)})`,
      ]);
    if (e.type === 'vote') entries.push([e.at, `vote          ${String(d.voter)}: ${String(d.decision)}`]);
    if (e.type === 'vote_ignored')
      entries.push([e.at, `click ignored ${String(d.voter)}: ${String(d.reason)}`]);
    if (e.type === 'decision')
      entries.push([
        e.at,
        `${String(d.status).padEnd(13)} ${shownReasons(d.reasons as string[]).join('; ')}`,
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
  const request = requestIds[0] ? await h.runtime.store.getRequest(requestIds[0]) : undefined;
  const run = request?.checkRunId ? h.checkRun(request.checkRunId) : undefined;
  const created = h.sim.calls.find((c) => c.operation === 'checks/create');
  if (run && created)
    entries.push([
      performance.timeOrigin + created.at,
      `check run     "${run.name}" on ${run.head_sha.slice(0, 7)}, now ${run.conclusion}`,
    ]);
  entries.push([resumed, `${endLabel}  the step ended: ${result.outputs.status ?? 'failed'}`]);
  entries.sort((a, b) => a[0] - b[0]);
  return entries.map(([t, text]) => `${at(t)}  ${text}`);
}
