// The files changed between two snapshots, with lines added and removed counted by a line diff
// (a longest common subsequence, as `git diff --numstat` counts them for plain edits).
import { blobSha } from './resources.ts';
import type { RouteContext } from './route-kit.ts';

type Json = Record<string, unknown>;
/** Above this many line pairs, lines are counted as a multiset instead (a moved line then counts as unchanged). */
const LCS_LIMIT = 4_000_000;

const lines = (text: string | undefined): string[] =>
  text === undefined || text === '' ? [] : text.replace(/\n$/, '').split('\n');

/** Length of the longest common subsequence of two lists of lines (two rows of the table). */
function common(a: string[], b: string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const line of a) {
    const row = [0];
    for (let j = 1; j <= b.length; j++)
      row[j] = line === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, row[j - 1]!);
    prev = row;
  }
  return prev[b.length]!;
}

/** Lines in both, counted as a multiset. */
function shared(a: string[], b: string[]): number {
  const left = new Map<string, number>();
  for (const l of a) left.set(l, (left.get(l) ?? 0) + 1);
  let n = 0;
  for (const l of b) {
    const k = left.get(l) ?? 0;
    if (k > 0) {
      n++;
      left.set(l, k - 1);
    }
  }
  return n;
}

/** Lines added and removed from `before` to `after`. */
export function lineChanges(
  before: string | undefined,
  after: string | undefined,
): { additions: number; deletions: number } {
  const a = lines(before);
  const b = lines(after);
  const kept = a.length * b.length > LCS_LIMIT ? shared(a, b) : common(a, b);
  return { additions: b.length - kept, deletions: a.length - kept };
}

/**
 * GitHub's `diff-entry` for each file that differs between two commits, by name. A file removed
 * whose content a file added has is a rename, as git and GitHub detect it: one entry, `renamed`,
 * with `previous_filename`, and no lines changed.
 */
export function diffEntries(ctx: RouteContext, base: string, head: string): Json[] {
  const from = ctx.repo.commits.get(base)!;
  const to = ctx.repo.commits.get(head)!;
  const names = [...new Set([...from.keys(), ...to.keys()])].sort();
  const full = `${ctx.repo.owner}/${ctx.repo.name}`;
  const removed = names.filter((n) => from.has(n) && !to.has(n));
  const renamedFrom = new Map<string, string>();
  for (const n of names.filter((x) => !from.has(x) && to.has(x))) {
    const i = removed.findIndex((r) => from.get(r) === to.get(n));
    if (i >= 0) renamedFrom.set(n, removed.splice(i, 1)[0]!);
  }
  const gone = new Set(renamedFrom.values());
  return names
    .filter((n) => from.get(n) !== to.get(n) && !gone.has(n))
    .map((filename) => {
      const previous = renamedFrom.get(filename);
      const { additions, deletions } = previous
        ? { additions: 0, deletions: 0 }
        : lineChanges(from.get(filename), to.get(filename));
      return ctx.synth.build('diff-entry', {
        sha: blobSha(to.get(filename) ?? from.get(filename)!),
        filename,
        status: previous
          ? 'renamed'
          : !from.has(filename)
            ? 'added'
            : !to.has(filename)
              ? 'removed'
              : 'modified',
        additions,
        deletions,
        changes: additions + deletions,
        blob_url: `https://github.com/${full}/blob/${head}/${filename}`,
        raw_url: `https://github.com/${full}/raw/${head}/${filename}`,
        contents_url: `${ctx.baseUrl}/repos/${full}/contents/${filename}?ref=${head}`,
        ...(previous && { previous_filename: previous }),
      });
    });
}
