import type { ValidateFunction } from 'ajv/dist/2020.js';
import { decodePolicyBytes } from './decode.ts';
import type { PolicyError } from './errors.ts';
import type { SourceMap } from './positions.ts';
import { schemaErrors } from './schema-errors.ts';
import { parseYamlDocument } from './yaml.ts';

/** At most this many errors are reported per file; the rest usually follow from the first. */
export const MAX_ERRORS_PER_FILE = 50;

export interface SourceFile {
  /** Path as shown in messages, e.g. `.approvals/deploy.yml`. */
  path: string;
  content: Uint8Array | string;
}

export type ParsedFile<T> = { ok: true; value: T; map: SourceMap } | { ok: false; errors: PolicyError[] };

/** Bytes -> YAML -> schema-valid value, or positioned errors. Never throws for any input. */
export function parseSchemaFile<T>(source: SourceFile, validate: ValidateFunction<T>): ParsedFile<T> {
  const bytes =
    typeof source.content === 'string' ? new TextEncoder().encode(source.content) : source.content;
  const decoded = decodePolicyBytes(source.path, bytes);
  if (!decoded.ok) return { ok: false, errors: [decoded.error] };
  const parsed = parseYamlDocument(source.path, decoded.text);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  if (!validate(parsed.value)) {
    const errors = schemaErrors(source.path, validate.errors ?? [], parsed.value, parsed.map);
    return { ok: false, errors: errors.slice(0, MAX_ERRORS_PER_FILE) };
  }
  return { ok: true, value: parsed.value, map: parsed.map };
}

export interface ParsedSource<T> {
  path: string;
  value: T;
  map: SourceMap;
}

/** Parses every file in path order: the valid ones, and the errors of the others. */
export function parseSchemaFiles<T>(
  sources: readonly SourceFile[],
  validate: ValidateFunction<T>,
): { parsed: ParsedSource<T>[]; errors: PolicyError[] } {
  const parsed: ParsedSource<T>[] = [];
  const errors: PolicyError[] = [];
  for (const source of [...sources].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const result = parseSchemaFile(source, validate);
    if (result.ok) parsed.push({ path: source.path, value: result.value, map: result.map });
    else errors.push(...result.errors);
  }
  return { parsed, errors };
}
