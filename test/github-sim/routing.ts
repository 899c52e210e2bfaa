// Maps a method and path onto the served operation of GitHub's description.
import type { Operation, SpecSubset } from './spec.ts';

interface Compiled {
  op: Operation;
  re: RegExp;
  names: string[];
}

function compile(op: Operation): Compiled {
  const names: string[] = [];
  // `{path}` in /contents/{path} spans slashes (x-multi-segment) and may be empty (the root).
  const pattern = op.path.replace(/\/?\{(\w+)\}/g, (whole, name: string) => {
    names.push(name);
    const slash = whole.startsWith('/') ? '/' : '';
    return op.parameters.find((p) => p.name === name)?.multiSegment ? `${slash}?(.*)` : `${slash}([^/]+)`;
  });
  return { op, re: new RegExp(`^${pattern}$`), names };
}

export class RouteTable {
  readonly #served: Compiled[];
  readonly #all: RegExp[];

  constructor(spec: SpecSubset) {
    this.#served = spec.operations.map(compile);
    this.#all = spec.allRoutes.map(([, p]) => new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}$`));
  }

  /** The served operation and its decoded path parameters, if any matches. */
  match(method: string, path: string): { op: Operation; params: Record<string, string> } | undefined {
    for (const r of this.#served) {
      if (r.op.method !== method.toUpperCase()) continue;
      const m = r.re.exec(path);
      if (m)
        return {
          op: r.op,
          params: Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')])),
        };
    }
    return undefined;
  }

  /** Does GitHub have a route of this shape at all (served here or not)? */
  isGitHubRoute(path: string): boolean {
    return this.#all.some((re) => re.test(path));
  }
}
