// /metrics is prom-client's exposition: the default process metrics (CPU, memory, event-loop lag,
// GC) and the app's jit_ series under their names, in a text that a strict reader of Prometheus's
// format accepts line by line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../helpers/prometheus.ts';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read } }
`;

const h = new AppHarness();
beforeAll(() => h.start({ 'p.yml': POLICY }));
afterAll(() => h.stop());

describe('/metrics', () => {
  it('parses strictly, with the default process metrics and every jit_ series', async () => {
    const step = await h.step();
    const { body } = await h.request(step);
    await h.click(await checkRunOf(h, body.id), 'alice');
    expect((await h.poll(step, body.id, 10)).body.status).toBe('approved');
    const res = await fetch(`${h.url}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(await res.text());
    const type = (name: string) => families.get(name)?.type;
    expect({
      cpu: type('process_cpu_seconds_total'),
      memory: type('process_resident_memory_bytes'),
      heap: type('nodejs_heap_size_used_bytes'),
      lag: type('nodejs_eventloop_lag_seconds'),
      gc: type('nodejs_gc_duration_seconds'),
    }).toEqual({ cpu: 'counter', memory: 'gauge', heap: 'gauge', lag: 'gauge', gc: 'histogram' });
    const samples = [...families.values()].flatMap((f) => f.samples);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
    expect(value('jit_requests_total', { outcome: 'pending' })).toBe(1);
    expect(value('jit_decisions_total', { outcome: 'approved' })).toBe(1);
    expect(value('jit_decisions_total', { outcome: 'timed_out' })).toBe(0);
    expect(value('jit_tokens_minted_total')).toBe(1);
    expect(value('jit_long_polls')).toBe(0);
    expect(type('jit_pending_requests')).toBe('gauge');
    expect(type('jit_decision_latency_seconds')).toBe('histogram');
    expect(value('jit_decision_latency_seconds_count')).toBe(1);
    expect(
      value('jit_github_api_calls_total', { route: 'POST /repos/{owner}/{repo}/check-runs', status: '201' }),
    ).toBe(1);
    for (const f of families.values()) expect(f.help, f.name).toBeTruthy();
  });

  it('the strict reader refuses what Prometheus would not take', () => {
    const ok = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 1\n';
    expect(() => parseExposition(ok)).not.toThrow();
    for (const bad of [
      ok.slice(0, -1), // no final newline
      `${ok}a_total{x="1"} 2\n`, // the same series twice
      ok.replace('x="1"', 'x="1\\q"'), // a bad escape
      ok.replace('a_total{', 'b_total{'), // a sample of no declared family
      ok.replace(' 1\n', ' one\n'), // not a number
      `${ok}# TYPE b gauge\nb 1\n# TYPE a_total counter\n`, // a family continued after another
    ])
      expect(() => parseExposition(bad), bad).toThrow();
  });
});
