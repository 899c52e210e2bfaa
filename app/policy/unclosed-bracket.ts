/** Where a flow collection (`[` or `{`) opens that is never closed, by a scan of the whole text. */
export interface Unclosed {
  offset: number;
  bracket: '[' | '{';
  /** The wrong closing bracket that ended it (`[a, b}`), if any. */
  closedBy?: string;
}

const CLOSER = { '[': ']', '{': '}' } as const;

/** Length of a quoted scalar starting at `i` (`'it''s'`, `"a \" b"`), or to the end when unterminated. */
function quotedLength(text: string, i: number): number {
  const quote = text[i]!;
  for (let j = i + 1; j < text.length; j++) {
    if (quote === '"' && text[j] === '\\') j++;
    else if (text[j] === quote) {
      if (quote === "'" && text[j + 1] === "'") j++;
      else return j - i + 1;
    }
  }
  return text.length - i;
}

/**
 * The first `[` or `{` in a YAML text that is never closed (or is closed by the other kind of
 * bracket). js-yaml reports such a typo where it gives up, often lines later ("deficient
 * indentation"); this finds where it began. Brackets count only where a node may start (in block
 * context after `key: `, `- `, `? ` or at a line's start; anywhere in a flow collection), outside
 * quotes, comments and block scalars, so `renovate[bot]` is text.
 */
export function unclosedBracket(text: string): Unclosed | undefined {
  const open: { offset: number; bracket: '[' | '{' }[] = [];
  let nodeStart = true; // a node may start here
  let lineIndent = 0;
  let blockScalarIndent = -1; // inside a block scalar (| or >): lines indented more than this
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const lineStart = i === 0 || text[i - 1] === '\n';
    if (lineStart) {
      let indent = 0;
      while (text[i + indent] === ' ') indent++;
      const blank = text[i + indent] === '\n' || i + indent >= text.length;
      if (blockScalarIndent >= 0 && (blank || indent > blockScalarIndent)) {
        const end = text.indexOf('\n', i);
        i = end === -1 ? text.length : end;
        continue;
      }
      blockScalarIndent = -1;
      lineIndent = indent;
      if (open.length === 0) nodeStart = true;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') continue;
    if (c === '#' && (lineStart || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = (end === -1 ? text.length : end) - 1;
      continue;
    }
    if (nodeStart && (c === "'" || c === '"')) {
      i += quotedLength(text, i) - 1;
      nodeStart = false;
      continue;
    }
    if (nodeStart && (c === '[' || c === '{')) {
      open.push({ offset: i, bracket: c });
      continue; // a node may start right after it
    }
    if (open.length > 0 && (c === ']' || c === '}')) {
      const top = open.pop()!;
      if (CLOSER[top.bracket] !== c) return { ...top, closedBy: c };
      nodeStart = false;
      continue;
    }
    if (open.length > 0 && c === ',') {
      nodeStart = true;
      continue;
    }
    const next = text[i + 1];
    const separated = next === undefined || next === ' ' || next === '\n' || next === '\r' || next === '\t';
    if ((c === ':' || c === '-' || c === '?') && separated) {
      nodeStart = c !== '-' || nodeStart; // `- ` starts a node only where one could start
      if (c === ':' && open.length === 0) nodeStart = true;
      continue;
    }
    if (open.length > 0 && c === ':' && nodeStart === false) {
      nodeStart = true; // `{"a":1}`: JSON-like keys may omit the space
      continue;
    }
    if (nodeStart && (c === '|' || c === '>') && open.length === 0) {
      blockScalarIndent = lineIndent;
      const end = text.indexOf('\n', i);
      i = (end === -1 ? text.length : end) - 1;
      continue;
    }
    if (nodeStart && (c === '&' || c === '!')) {
      while (i + 1 < text.length && !/[\s,[\]{}]/.test(text[i + 1]!)) i++;
      continue; // an anchor or a tag: the node follows
    }
    nodeStart = false;
  }
  return open[0];
}
