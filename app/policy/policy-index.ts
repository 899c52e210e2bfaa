import type { CompiledPolicy } from './compiled.ts';
import { FragmentIndex, requiredFragment } from './fragment-index.ts';
import type { ApprovalRequest } from './request.ts';

interface Index {
  /** Policies without an `action` condition: candidates for every request. */
  always: number[];
  /** An action pattern without a glob -> policies: it matches that action only. */
  exact: Map<string, number[]>;
  /** Literal prefix of an action pattern (up to its first `*` or `?`) -> policies. */
  byPrefix: Map<string, number[]>;
  /** The distinct prefix lengths, ascending. */
  lengths: number[];
  /**
   * Literal suffix of a pattern that starts with a glob (after its last `*` or `?`) -> policies:
   * `*-deploy` can only match actions ending in `-deploy`.
   */
  bySuffix: Map<string, number[]>;
  /** The distinct suffix lengths, ascending. */
  suffixLengths: number[];
  /**
   * Patterns with globs at both ends (`*-svc7-*`), by the longest literal fragment a matching
   * action must contain: found in one pass over the action.
   */
  fragments: FragmentIndex;
}

const add = (map: Map<string, number[]>, key: string, i: number): void => {
  const list = map.get(key) ?? [];
  if (list.at(-1) !== i) list.push(i);
  map.set(key, list);
};

const indexes = new WeakMap<readonly CompiledPolicy[], Index>();

function build(policies: readonly CompiledPolicy[]): Index {
  const always: number[] = [];
  const byPrefix = new Map<string, number[]>();
  const bySuffix = new Map<string, number[]>();
  const fragments = new FragmentIndex();
  const exact = new Map<string, number[]>();
  policies.forEach((p, i) => {
    if (p.actions === null) return void always.push(i);
    for (const pattern of p.actions) {
      const glob = pattern.search(/[*?]/);
      // `a/**` also matches `a`: a slash just before a glob is not a required part of the prefix.
      const prefix = glob === -1 ? pattern : pattern.slice(0, glob).replace(/\/+$/, '');
      // `**/b` also matches `b`: a slash just after a glob is not a required part of the suffix.
      const suffix = glob === -1 ? '' : pattern.slice(pattern.search(/[*?][^*?]*$/) + 1).replace(/^\/+/, '');
      if (glob === -1) add(exact, pattern, i);
      else if (prefix === '' && suffix !== '') add(bySuffix, suffix, i);
      else if (prefix !== '') add(byPrefix, prefix, i);
      else {
        const fragment = requiredFragment(pattern);
        if (fragment === '') always.push(i);
        else fragments.add(fragment, i);
      }
    }
  });
  const lengthsOf = (m: Map<string, number[]>): number[] =>
    [...new Set([...m.keys()].map((k) => k.length))].sort((a, b) => a - b);
  return {
    always,
    exact,
    byPrefix,
    lengths: lengthsOf(byPrefix),
    bySuffix,
    suffixLengths: lengthsOf(bySuffix),
    fragments,
  };
}

/**
 * The governing policies of a request, in policy order: those whose `match` matches. An index on
 * the literal prefixes of action patterns, on the literal suffixes of patterns that start with a
 * glob, and on the longest literal fragment of patterns with globs at both ends (built once per
 * policy set) narrows the candidates, so the cost grows with the policies that could match, not
 * with all policies. Each candidate is then matched in full.
 */
export function governingPolicies(
  policies: readonly CompiledPolicy[],
  request: ApprovalRequest,
): CompiledPolicy[] {
  let index = indexes.get(policies);
  if (!index) indexes.set(policies, (index = build(policies)));
  const candidates = [...index.always];
  const { action } = request;
  const exactly = index.exact.get(action);
  if (exactly) candidates.push(...exactly);
  for (const length of index.lengths) {
    if (length > action.length) break;
    const hits = index.byPrefix.get(action.slice(0, length));
    if (hits) candidates.push(...hits);
  }
  for (const length of index.suffixLengths) {
    if (length > action.length) break;
    const hits = index.bySuffix.get(action.slice(action.length - length));
    if (hits) candidates.push(...hits);
  }
  if (index.fragments.size > 0) index.fragments.occurring(action, candidates);
  candidates.sort((a, b) => a - b);
  const out: CompiledPolicy[] = [];
  let last = -1;
  for (const i of candidates) {
    if (i === last) continue;
    last = i;
    const p = policies[i]!;
    if (p.match(request)) out.push(p);
  }
  return out;
}
