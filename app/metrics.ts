/** A small Prometheus registry: counters with labels, gauges read at scrape time, one histogram. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const labelText = (labels: Record<string, string>): string => {
  const entries = Object.entries(labels);
  return entries.length === 0
    ? ''
    : `{${entries.map(([k, v]) => `${k}="${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
};

export class Metrics {
  readonly #counters = new Map<string, { help: string; values: Map<string, number> }>();
  readonly #gauges = new Map<string, { help: string; read: () => number }>();
  readonly #histogram = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };

  count(name: string, help: string, labels: Record<string, string> = {}, by = 1): void {
    let c = this.#counters.get(name);
    if (!c) this.#counters.set(name, (c = { help, values: new Map() }));
    const key = labelText(labels);
    c.values.set(key, (c.values.get(key) ?? 0) + by);
  }

  /** Makes a counter known at start: its help and type always, and each series in `series` at 0. */
  declare(name: string, help: string, series: readonly Record<string, string>[] = [{}]): void {
    for (const labels of series) this.count(name, help, labels, 0);
    if (!this.#counters.has(name)) this.#counters.set(name, { help, values: new Map() });
  }

  gauge(name: string, help: string, read: () => number): void {
    this.#gauges.set(name, { help, read });
  }

  /** Seconds from a request's creation to its decision. */
  observeDecision(seconds: number): void {
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.#histogram.counts[i]!++;
    });
    this.#histogram.sum += seconds;
    this.#histogram.count++;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, c] of this.#counters) {
      lines.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const [labels, v] of c.values) lines.push(`${name}${labels} ${v}`);
    }
    for (const [name, g] of this.#gauges)
      lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.read()}`);
    const h = 'jit_decision_latency_seconds';
    lines.push(`# HELP ${h} Time from a request to its decision.`, `# TYPE ${h} histogram`);
    BUCKETS.forEach((b, i) => lines.push(`${h}_bucket{le="${b}"} ${this.#histogram.counts[i]}`));
    lines.push(
      `${h}_bucket{le="+Inf"} ${this.#histogram.count}`,
      `${h}_sum ${this.#histogram.sum}`,
      `${h}_count ${this.#histogram.count}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
