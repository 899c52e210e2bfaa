import { EVENT_ID, getScalarValue, type Event } from 'js-yaml';
import type { Position } from './errors.ts';

/** Maps character offsets in `text` to 1-based lines and columns (binary search over line starts). */
export function lineIndex(text: string): (offset: number) => Position {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (at) => {
    const offset = Math.max(0, at);
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

export function lineColumn(text: string, offset: number): Position {
  return lineIndex(text)(offset);
}

/** Where the values and keys of a parsed YAML document are, by JSON pointer (as ajv reports them). */
export interface SourceMap {
  /** Position of the value at `pointer`, or of its closest ancestor in the document. */
  value(pointer: string): Position;
  /** Position of the mapping key that holds `pointer`; the value's position when there is none. */
  key(pointer: string): Position;
}

interface Located {
  value: number;
  key?: number;
}

interface Frame {
  pointer: string | null; // null: inside a complex key, not addressable by a pointer
  isMapping: boolean;
  index: number;
  key: string | null;
  keyOffset: number;
}

export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Where an anchor (`&a`, whose offset js-yaml gives after the `&`) or a tag (`!!str`) begins. */
function decorationStart(e: { anchorStart: number; tagStart: number }): number | undefined {
  const starts = [e.anchorStart >= 0 ? e.anchorStart - 1 : -1, e.tagStart].filter((o) => o >= 0);
  return starts.length > 0 ? Math.min(...starts) : undefined;
}

function nodeOffset(e: Event): number {
  switch (e.type) {
    case EVENT_ID.SCALAR:
      return decorationStart(e) ?? (e.style === 2 || e.style === 3 ? e.valueStart - 1 : e.valueStart);
    case EVENT_ID.ALIAS:
      return e.anchorStart - 1;
    case EVENT_ID.SEQUENCE:
    case EVENT_ID.MAPPING:
      return decorationStart(e) ?? e.start;
    default:
      return 0;
  }
}

/** Indexes the first document of an event stream from js-yaml's `parseEvents`. */
export function buildSourceMap(source: string, events: readonly Event[]): SourceMap {
  const located = new Map<string, Located>();
  const stack: Frame[] = [];
  let documents = 0;
  for (const e of events) {
    if (e.type === EVENT_ID.DOCUMENT) {
      if (++documents > 1) break;
      stack.push({ pointer: '', isMapping: false, index: -1, key: null, keyOffset: 0 });
      continue;
    }
    if (e.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    const top = stack.at(-1);
    if (!top) break;
    const offset = nodeOffset(e);
    let pointer: string | null = null;
    if (top.pointer === null) {
      pointer = null;
    } else if (top.isMapping && top.key === null) {
      // A key. Scalar keys name their value; collection keys cannot be addressed.
      top.key = e.type === EVENT_ID.SCALAR ? getScalarValue(source, e) : '\0complex';
      top.keyOffset = offset;
    } else if (top.isMapping) {
      pointer = `${top.pointer}/${escapePointer(top.key ?? '')}`;
      located.set(pointer, { value: offset, key: top.keyOffset });
      top.key = null;
    } else if (top.index === -1) {
      pointer = '';
      located.set(pointer, { value: offset });
      top.index = 0;
    } else {
      pointer = `${top.pointer}/${top.index++}`;
      located.set(pointer, { value: offset });
    }
    if (e.type === EVENT_ID.SEQUENCE || e.type === EVENT_ID.MAPPING) {
      stack.push({
        pointer,
        isMapping: e.type === EVENT_ID.MAPPING,
        index: 0,
        key: null,
        keyOffset: 0,
      });
    }
  }
  const find = (pointer: string): Located => {
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
      const hit = located.get(p);
      if (hit) return hit;
      if (p === '') return { value: 0 };
    }
  };
  const at = lineIndex(source);
  return {
    value: (pointer) => at(find(pointer).value),
    key: (pointer) => {
      const hit = find(pointer);
      return at(hit.key ?? hit.value);
    },
  };
}
