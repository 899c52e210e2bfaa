import {
  CORE_SCHEMA,
  EVENT_ID,
  YAMLException,
  constructFromEvents,
  mergeTag,
  parseEvents,
  type Event,
} from 'js-yaml';
import { START, policyError, type PolicyError, type Position } from './errors.ts';
import { buildSourceMap, lineColumn, type SourceMap } from './positions.ts';
import { unclosedBracket } from './unclosed-bracket.ts';

/** Nesting and alias limits keep hostile YAML (deep nesting, alias bombs) cheap to reject. */
const MAX_DEPTH = 32;
const MAX_ALIASES = 100;
const MAX_VALUES = 100_000;
/** YAML 1.2 core schema plus merge keys (`<<: *base`), which policy tests use to vary a request. */
const SCHEMA = CORE_SCHEMA.withTags(mergeTag);

export type ParsedYaml = { ok: true; value: unknown; map: SourceMap } | { ok: false; error: PolicyError };

const FIXES: [RegExp, string][] = [
  [/duplicated mapping key/, 'each key may appear once per mapping: remove or merge the duplicate'],
  [/tab/i, 'indent with spaces, not tabs'],
  [/depth|nesting/i, `keep nesting under ${MAX_DEPTH} levels`],
  [/alias/i, `use at most ${MAX_ALIASES} aliases (*name) per file`],
  [/indentation/i, 'align the indentation of this line with its siblings'],
];

function yamlError(file: string, text: string, err: unknown): PolicyError {
  if (err instanceof YAMLException) {
    // A `[` or `{` never closed: js-yaml gives up lines later; say where it opened.
    const unclosed = unclosedBracket(text);
    if (unclosed && (!err.mark || unclosed.offset < err.mark.position)) {
      const { bracket, closedBy } = unclosed;
      const close = bracket === '[' ? ']' : '}';
      const what = bracket === '[' ? 'list' : 'mapping';
      return policyError(
        file,
        lineColumn(text, unclosed.offset),
        'yaml',
        `invalid YAML: the ${what} opened with "${bracket}" here is ${closedBy ? `closed with "${closedBy}"` : 'never closed'}`,
        `close it with "${close}"${bracket === '[' ? ', e.g. action: [deploy-*]' : ''}`,
      );
    }
    const at: Position = err.mark ? { line: err.mark.line + 1, column: err.mark.column + 1 } : START;
    const fix = FIXES.find(([re]) => re.test(err.reason))?.[1] ?? 'correct the YAML syntax here';
    return policyError(file, at, 'yaml', `invalid YAML: ${err.reason}`, fix);
  }
  const reason = err instanceof RangeError ? 'the document is nested too deeply' : String(err);
  return policyError(file, START, 'yaml', `invalid YAML: ${reason}`, 'simplify the document');
}

/** Counts values reachable from `value`, following aliases again each time; stops at `limit`. */
function exceedsValues(value: unknown, limit: number): boolean {
  let seen = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (++seen > limit) return true;
    if (v !== null && typeof v === 'object') for (const child of Object.values(v)) stack.push(child);
  }
  return false;
}

function firstAlias(events: readonly Event[]): number {
  const alias = events.find((e) => e.type === EVENT_ID.ALIAS);
  return alias ? alias.anchorStart - 1 : 0;
}

/** Parses exactly one YAML document (YAML 1.2 core schema) with a map of where each value is. */
export function parseYamlDocument(file: string, text: string): ParsedYaml {
  let events: Event[];
  let documents: unknown[];
  try {
    events = parseEvents(text, { filename: file, maxDepth: MAX_DEPTH });
    documents = constructFromEvents(events, {
      source: text,
      filename: file,
      schema: SCHEMA,
      maxAliases: MAX_ALIASES,
    });
  } catch (err) {
    return { ok: false, error: yamlError(file, text, err) };
  }
  if (documents.length === 0 || documents[0] === null || documents[0] === undefined) {
    return {
      ok: false,
      error: policyError(file, START, 'empty', 'file has no content', 'add the document, or delete the file'),
    };
  }
  if (documents.length > 1) {
    const second = events.findIndex((e, i) => e.type === EVENT_ID.DOCUMENT && i > 0);
    const next = events.slice(second + 1).find((e) => e.type !== EVENT_ID.POP);
    const offset = next && 'valueStart' in next ? next.valueStart : next && 'start' in next ? next.start : 0;
    return {
      ok: false,
      error: policyError(
        file,
        lineColumn(text, offset),
        'yaml',
        'file holds more than one YAML document (`---`)',
        'put each document in its own file',
      ),
    };
  }
  if (exceedsValues(documents[0], MAX_VALUES)) {
    return {
      ok: false,
      error: policyError(
        file,
        lineColumn(text, firstAlias(events)),
        'yaml',
        `aliases expand the document to more than ${MAX_VALUES} values`,
        'write the repeated values out, or reuse fewer aliases',
      ),
    };
  }
  return { ok: true, value: documents[0], map: buildSourceMap(text, events) };
}
