import type { ErrorObject } from 'ajv/dist/2020.js';
import { policyError, type PolicyError } from './errors.ts';
import { escapePointer, type SourceMap } from './positions.ts';

/** `/policies/0/match/action` -> `policies[0].match.action`, naming the policy where known. */
export function describePointer(pointer: string, root: unknown): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  let out = '';
  let node: unknown = root;
  for (const part of parts) {
    const isIndex = Array.isArray(node) && /^\d+$/.test(part);
    out += isIndex ? `[${part}]` : out === '' ? part : `.${part}`;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    const name = (node as { name?: unknown } | undefined)?.name;
    if (isIndex && typeof name === 'string' && out.startsWith('policies[')) out += ` ("${name}")`;
  }
  return out === '' ? 'the file' : out;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The closest of `candidates` to `word`, if it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const prefixed = lower.length >= 4 ? candidates.filter((c) => c.toLowerCase().startsWith(lower)) : [];
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? 'nothing'));
const kind = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object'
        ? 'a mapping'
        : `${typeof v} ${show(v)}`;
const TYPE_NAMES: Record<string, string> = {
  array: 'a list',
  object: 'a mapping',
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
};

interface Described {
  description?: string;
  properties?: Record<string, { description?: string }>;
}

function explain(
  e: ErrorObject,
  root: unknown,
): { pointer: string; onKey: boolean; message: string; fix: string } {
  const where = describePointer(e.instancePath, root);
  const schema = (e.parentSchema ?? {}) as Described;
  const about = schema.description ?? '';
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys(schema.properties ?? {});
      const guess = didYouMean(key, allowed);
      return {
        pointer: `${e.instancePath}/${escapePointer(key)}`,
        onKey: true,
        message: `${where}: unknown key "${key}"`,
        fix: guess
          ? `did you mean "${guess}"?`
          : allowed.length <= 12
            ? `allowed keys here: ${allowed.join(', ') || '(none)'}`
            : `allowed keys here include ${allowed.slice(0, 8).join(', ')}, … (${allowed.length} in all; the schema lists them)`,
      };
    }
    case 'required': {
      const key = String(p.missingProperty);
      const description = schema.properties?.[key]?.description;
      return {
        pointer: e.instancePath,
        onKey: true,
        message: `${where}: missing required key "${key}"`,
        fix: `add \`${key}:\`${description ? ` (${description.replace(/\.$/, '')})` : ''}`,
      };
    }
    case 'type': {
      const want = String(p.type)
        .split(',')
        .map((t) => TYPE_NAMES[t] ?? t)
        .join(' or ');
      return {
        pointer: e.instancePath,
        onKey: false,
        message: `${where}: must be ${want}, found ${kind(e.data)}`,
        fix:
          p.type === 'array' && typeof e.data === 'string'
            ? `write a list: [${show(e.data)}]`
            : about || `write ${want} here`,
      };
    }
    case 'const':
      return {
        pointer: e.instancePath,
        onKey: false,
        message: `${where}: must be ${show(p.allowedValue)}, found ${kind(e.data)}`,
        fix: `set it to ${show(p.allowedValue)}${about ? ` (${about})` : ''}`,
      };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const guess = typeof e.data === 'string' ? didYouMean(e.data, allowed) : undefined;
      return {
        pointer: e.instancePath,
        onKey: false,
        message: `${where}: ${kind(e.data)} is not one of ${allowed.join(', ')}`,
        fix: guess ? `did you mean "${guess}"?` : `use one of ${allowed.join(', ')}`,
      };
    }
    default: {
      const message = `${where}: ${show(e.data)} ${e.message ?? 'is invalid'}`;
      return { pointer: e.instancePath, onKey: false, message, fix: about || 'see policies.schema.json' };
    }
  }
}

/** ajv errors as positioned policy errors: one per problem, in document order. */
export function schemaErrors(
  file: string,
  errors: readonly ErrorObject[],
  root: unknown,
  map: SourceMap,
): PolicyError[] {
  const seen = new Set<string>();
  const out: PolicyError[] = [];
  for (const e of errors) {
    const { pointer, onKey, message, fix } = explain(e, root);
    if (seen.has(message)) continue;
    seen.add(message);
    out.push(policyError(file, onKey ? map.key(pointer) : map.value(pointer), 'schema', message, fix));
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}
