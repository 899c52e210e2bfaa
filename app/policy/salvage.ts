import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { Policy } from './types.generated.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A JSON pointer's segments, unescaped. */
const segments = (pointer: string): string[] =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));

/**
 * Removes from `policy` (a copy) the key that holds what failed: the deepest key of a mapping on
 * the way to it, so that list entries keep their indexes (and errors their positions). False when
 * the policy itself failed (not a mapping, or `name` or `match` missing).
 */
function prune(policy: Record<string, unknown>, path: string[]): boolean {
  let holder: Record<string, unknown> | undefined;
  let key: string | undefined;
  let node: unknown = policy;
  for (const part of path) {
    if (isObject(node)) [holder, key] = [node, part];
    node = (node as Record<string, unknown> | undefined)?.[part];
    if (node === undefined) break;
  }
  if (!holder || key === undefined) return false;
  delete holder[key];
  return true;
}

/** Where an error is, as segments below its policy, naming the unknown key itself. */
function errorPath(e: ErrorObject, below: string[]): string[] {
  return e.keyword === 'additionalProperties' ? [...below, String(e.params.additionalProperty)] : below;
}

/**
 * The policies of a file that failed the schema, each with the parts the schema refused taken
 * out (then again with what that left refused, a few times), where what is left is a valid
 * policy: the checks beyond the schema (globs, time zones, hours, durations, unique names, ...)
 * run on those too, so one run reports every error of a file. Indexes are the policies' places
 * in the file.
 */
export function salvagePolicies(
  value: unknown,
  errors: readonly ErrorObject[],
  validPolicy: ValidateFunction<Policy>,
): { index: number; policy: Policy }[] {
  const list = isObject(value) ? value.policies : undefined;
  if (!Array.isArray(list)) return [];
  const copies: unknown[] = structuredClone(list);
  const lost = new Set<number>();
  for (const e of errors) {
    const [top, at, ...below] = segments(e.instancePath);
    if (top !== 'policies' || at === undefined || !/^\d+$/.test(at)) continue;
    const copy = copies[Number(at)];
    if (!isObject(copy) || !prune(copy, errorPath(e, below))) lost.add(Number(at));
  }
  return copies.flatMap((policy, index) => {
    if (lost.has(index) || !isObject(policy)) return [];
    for (let round = 0; round < 5; round++) {
      if (validPolicy(policy)) return [{ index, policy: policy as Policy }];
      const next = validPolicy.errors ?? [];
      if (!next.every((e) => prune(policy, errorPath(e, segments(e.instancePath))))) return [];
    }
    return [];
  });
}
