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

/** How many segments of a route are literal (`/repos/{o}/{r}/commits/{ref}/statuses`: 3). */
const literalSegments = (path: string): number => path.split('/').filter((s) => s && !s.includes('{')).length;

export class RouteTable {
  readonly #served: Compiled[];
  readonly #all: RegExp[];
  /** Each GitHub route's pattern with its literal segments: a more literal route GitHub has wins over a served one. */
  readonly #allLiteral: { re: RegExp; literal: number }[];

  constructor(spec: SpecSubset) {
    // Where two match one path (`/commits/{ref}` spans slashes, `/commits/{ref}/check-runs` too), the
    // one with more literal segments wins, as on GitHub.
    const literal = (c: Compiled) => literalSegments(c.op.path);
    this.#served = spec.operations.map(compile).sort((a, b) => literal(b) - literal(a));
    this.#all = spec.allRoutes.map(([, p]) => new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}$`));
    this.#allLiteral = spec.allRoutes.map(([, p], i) => ({
      re: this.#all[i]!,
      literal: literalSegments(p),
    }));
  }

  /** The served operation and its decoded path parameters, if any matches. */
  match(method: string, path: string): { op: Operation; params: Record<string, string> } | undefined {
    for (const r of this.#served) {
      if (r.op.method !== method.toUpperCase()) continue;
      const m = r.re.exec(path);
      // `/commits/{sha}/statuses` is GitHub's list of statuses, not `/commits/{ref}` with a ref of
      // `{sha}/statuses`: a route GitHub has with more literal text is the one meant.
      const literal = literalSegments(r.op.path);
      if (m && this.#allLiteral.some((a) => a.literal > literal && a.re.test(path))) return undefined;
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
