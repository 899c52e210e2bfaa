// The app's own process seen through the V8 inspector (`--inspect`): its garbage collected and its
// memory read inside it, and CPU profiles of it, without any code in the app for benchmarks.
import type { ChildProcess } from 'node:child_process';
import type { AppHarness } from '../test/app/harness.ts';

export class Inspector {
  readonly #ws: WebSocket;
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.addEventListener('message', (e) => {
      const msg = JSON.parse(String(e.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      const p = msg.id === undefined ? undefined : this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id!);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    });
  }

  /** Attaches to an app process started with `--inspect=127.0.0.1:0` (its URL is in the logs). */
  static async attach(h: AppHarness, child: ChildProcess): Promise<Inspector> {
    let url: string | undefined;
    while (!(url = /Debugger listening on (ws:\/\/\S+)/.exec(h.logs.join(''))?.[1]))
      await new Promise((r) => setTimeout(r, 10));
    if (child.exitCode !== null) throw new Error('the app process exited');
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve, { once: true });
      ws.addEventListener('error', reject, { once: true });
    });
    return new Inspector(ws);
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++;
    this.#ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve: resolve as never, reject }));
  }

  /** Full garbage collections in the app's process, then its resident memory in MB, read there. */
  async rssAfterGc(): Promise<number> {
    return (await this.memoryAfterGc()).rss!;
  }

  /** `process.memoryUsage()` in the app's process after full garbage collections, in MB. */
  async memoryAfterGc(): Promise<Record<string, number>> {
    for (let i = 0; i < 3; i++) await this.send('HeapProfiler.collectGarbage');
    const r = await this.send<{ result: { value: Record<string, number> } }>('Runtime.evaluate', {
      expression: 'process.memoryUsage()',
      returnByValue: true,
    });
    return Object.fromEntries(Object.entries(r.result.value).map(([k, v]) => [k, v / 2 ** 20]));
  }

  /** The app's CPU time (user + system) so far, in ms, read in its process. */
  async cpuMs(): Promise<number> {
    const r = await this.send<{ result: { value: number } }>('Runtime.evaluate', {
      expression: '(({ user, system }) => (user + system) / 1000)(process.cpuUsage())',
      returnByValue: true,
    });
    return r.result.value;
  }

  /** A CPU profile of the app's process while `work` runs (sampled every 0.5 ms). */
  async profile(work: () => Promise<void>): Promise<CpuProfile> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: 500 });
    await this.send('Profiler.start');
    await work();
    return (await this.send<{ profile: CpuProfile }>('Profiler.stop')).profile;
  }

  close(): void {
    this.#ws.close();
  }
}

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
}

/**
 * Where a profile's busy samples fall (idle ones left out), by their own function's place: the
 * app's code by file, dependencies by package, Node's internals by module, V8's GC and native code.
 */
export function whereTimeGoes(profile: CpuProfile, top = 10): { part: string; share: number }[] {
  const frame = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const counts = new Map<string, number>();
  let busy = 0;
  for (const s of profile.samples) {
    const { url: u, functionName } = frame.get(s) ?? { url: '', functionName: '' };
    if (functionName === '(idle)') continue;
    busy++;
    const scoped = u.includes('node_modules/@');
    const part = u.includes('node_modules/')
      ? u
          .split('node_modules/')
          .at(-1)!
          .split('/')
          .slice(0, scoped ? 2 : 1)
          .join('/')
      : u.includes('/app/')
        ? `app/${u.split('/app/').at(-1)}`
        : u.startsWith('node:internal/deps/')
          ? `node:${u.slice('node:internal/deps/'.length).split('/')[0]}`
          : u.startsWith('node:')
            ? `node:${
                u
                  .slice(5)
                  .replace(/^internal\//, '')
                  .split('/')[0]
              }`
            : u === ''
              ? functionName === '(garbage collector)'
                ? 'V8: garbage collection'
                : `V8/native: ${functionName || '(anonymous)'}`
              : u;
    counts.set(part, (counts.get(part) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([part, n]) => ({ part, share: n / busy }));
}
