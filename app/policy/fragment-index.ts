// Which of many literal fragments occur in a value, in one pass over it (Aho-Corasick): the prefilter
// for action patterns with globs at both ends (`*-svc7-*`), which neither a prefix nor a suffix
// index can narrow. Every fragment is a substring any matching value must contain.

/** The literal fragment a value matching `pattern` must contain: its longest run without a glob ('' if none). */
export function requiredFragment(pattern: string): string {
  let best = '';
  for (const run of pattern.split(/[*?]/)) {
    // `**` may match no segment at all (`a/**/b` matches `a/b`): a slash beside a glob is not required.
    const literal = run.replace(/^\/+|\/+$/g, '');
    if (literal.length > best.length) best = literal;
  }
  return best;
}

interface Node {
  /** By UTF-16 code unit. */
  next: Map<number, number>;
  fail: number;
  /** Values (policy indexes) of fragments that end here, and at the nodes its fail links reach. */
  out: number[];
}

/** An automaton over fragments, each with a value; `occurring(text)` gives the values of those in `text`. */
export class FragmentIndex {
  readonly #nodes: Node[] = [{ next: new Map(), fail: 0, out: [] }];
  #built = false;

  add(fragment: string, value: number): void {
    if (this.#built) throw new Error('FragmentIndex: add after the first lookup');
    let at = 0;
    for (let k = 0; k < fragment.length; k++) {
      const c = fragment.charCodeAt(k);
      let to = this.#nodes[at]!.next.get(c);
      if (to === undefined) {
        to = this.#nodes.push({ next: new Map(), fail: 0, out: [] }) - 1;
        this.#nodes[at]!.next.set(c, to);
      }
      at = to;
    }
    this.#nodes[at]!.out.push(value);
  }

  get size(): number {
    return this.#nodes.length - 1;
  }

  #build(): void {
    this.#built = true;
    const queue: number[] = [];
    for (const to of this.#nodes[0]!.next.values()) queue.push(to);
    for (let head = 0; head < queue.length; head++) {
      const at = queue[head]!;
      const node = this.#nodes[at]!;
      for (const [c, to] of node.next) {
        let f = node.fail;
        while (f !== 0 && !this.#nodes[f]!.next.has(c)) f = this.#nodes[f]!.fail;
        const target = this.#nodes[f]!.next.get(c);
        const fail = target !== undefined && target !== to ? target : 0;
        const child = this.#nodes[to]!;
        child.fail = fail;
        if (this.#nodes[fail]!.out.length > 0) child.out = [...child.out, ...this.#nodes[fail]!.out];
        queue.push(to);
      }
    }
  }

  /** The values of the fragments that occur in `text` (with repeats), in time linear in `text` and the hits. */
  occurring(text: string, into: number[]): void {
    if (!this.#built) this.#build();
    const nodes = this.#nodes;
    let at = 0;
    for (let k = 0; k < text.length; k++) {
      const c = text.charCodeAt(k);
      let to = nodes[at]!.next.get(c);
      while (to === undefined && at !== 0) {
        at = nodes[at]!.fail;
        to = nodes[at]!.next.get(c);
      }
      at = to ?? 0;
      const out = nodes[at]!.out;
      for (let i = 0; i < out.length; i++) into.push(out[i]!);
    }
  }
}
