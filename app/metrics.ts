// The app's Prometheus metrics, on prom-client (the kept Prometheus library for Node): the default
// process metrics (CPU, memory, event-loop lag, GC, handles) and the app's `jit_` series, in a
// registry of the app's own (one per app, so that several in one process do not collide).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds from a request's creation to its decision. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;

export class Metrics {
  readonly registry = new Registry();
  readonly #counters = new Map<string, { counter: Counter; labelNames: readonly string[] }>();
  readonly #gauges = new Map<string, { read: () => number }>();
  readonly #latency = new Histogram({
    name: 'jit_decision_latency_seconds',
    help: 'Time from a request to its decision.',
    buckets: BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The counter `name`, made on first use with the label names it is first used with. */
  #counter(name: string, help: string, labelNames: readonly string[]) {
    let c = this.#counters.get(name);
    if (!c) {
      c = {
        counter: new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] }),
        labelNames,
      };
      this.#counters.set(name, c);
    }
    return c;
  }

  /** `labels` with exactly the counter's label names (a missing one empty, others left out): never throws. */
  static #fit(labels: Labels, names: readonly string[]): Labels {
    return Object.fromEntries(names.map((n) => [n, labels[n] ?? '']));
  }

  count(name: string, help: string, labels: Labels = {}, by = 1): void {
    const { counter, labelNames } = this.#counter(name, help, Object.keys(labels));
    if (labelNames.length === 0) counter.inc(by);
    else counter.inc(Metrics.#fit(labels, labelNames), by);
  }

  /**
   * Makes a counter known at start: its help and type always, and each series in `series` at 0.
   * `labelNames` names its labels when `series` is empty (they are known when its first event
   * comes, e.g. GitHub calls by route and status).
   */
  declare(
    name: string,
    help: string,
    series: readonly Labels[] = [{}],
    labelNames: readonly string[] = Object.keys(series[0] ?? {}),
  ): void {
    this.#counter(name, help, labelNames);
    for (const labels of series) this.count(name, help, labels, 0);
  }

  /** A gauge read at each scrape (a second call for the same name replaces how it is read). */
  gauge(name: string, help: string, read: () => number): void {
    const existing = this.#gauges.get(name);
    if (existing) return void (existing.read = read);
    const entry = { read };
    this.#gauges.set(name, entry);
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(entry.read());
      },
    });
  }

  observeDecision(seconds: number): void {
    this.#latency.observe(seconds);
  }

  /** The exposition, in Prometheus's text format (`contentType`). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
