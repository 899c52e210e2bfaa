import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { decodePolicyBytes } from './decode.ts';
import type { PolicyError } from './errors.ts';
import { jsonSyntaxError } from './json.ts';
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

/** A document that parsed but failed the schema: what the checks beyond the schema may still look at. */
export interface SchemaInvalid {
  value: unknown;
  map: SourceMap;
  /** ajv's errors, every one of them (the schema is compiled with allErrors). */
  schemaErrors: readonly ErrorObject[];
}

export type ParsedFile<T> =
  { ok: true; value: T; map: SourceMap } | { ok: false; errors: PolicyError[]; invalid?: SchemaInvalid };

/**
 * Bytes -> YAML (or JSON, for a `.json` path: JSON's own syntax errors, positioned) -> schema-valid
 * value, or positioned errors. Never throws for any input.
 */
export function parseSchemaFile<T>(source: SourceFile, validate: ValidateFunction<T>): ParsedFile<T> {
  const bytes =
    typeof source.content === 'string' ? new TextEncoder().encode(source.content) : source.content;
  const decoded = decodePolicyBytes(source.path, bytes);
  if (!decoded.ok) return { ok: false, errors: [decoded.error] };
  const json = /\.json$/i.test(source.path) ? jsonSyntaxError(source.path, decoded.text) : undefined;
  if (json) return { ok: false, errors: [json] };
  const parsed = parseYamlDocument(source.path, decoded.text);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  if (!validate(parsed.value)) {
    const errors = schemaErrors(source.path, validate.errors ?? [], parsed.value, parsed.map);
    const invalid = { value: parsed.value, map: parsed.map, schemaErrors: validate.errors ?? [] };
    return { ok: false, errors: errors.slice(0, MAX_ERRORS_PER_FILE), invalid };
  }
  return { ok: true, value: parsed.value, map: parsed.map };
}

export interface ParsedSource<T> {
  path: string;
  value: T;
  map: SourceMap;
}

/**
 * Parses every file in path order: the valid ones, the errors of the others, and those of them
 * that parsed but failed the schema.
 */
export function parseSchemaFiles<T>(
  sources: readonly SourceFile[],
  validate: ValidateFunction<T>,
): { parsed: ParsedSource<T>[]; errors: PolicyError[]; invalid: (SchemaInvalid & { path: string })[] } {
  const parsed: ParsedSource<T>[] = [];
  const errors: PolicyError[] = [];
  const invalid: (SchemaInvalid & { path: string })[] = [];
  for (const source of [...sources].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const result = parseSchemaFile(source, validate);
    if (result.ok) parsed.push({ path: source.path, value: result.value, map: result.map });
    else {
      errors.push(...result.errors);
      if (result.invalid) invalid.push({ path: source.path, ...result.invalid });
    }
  }
  return { parsed, errors, invalid };
}
