import { policyError, type PolicyError } from './errors.ts';
import { lineColumn } from './positions.ts';

const NUMBER_OR_LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** The offset where `text` stops being JSON (V8 does not say for every error). */
function errorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = (): void => {
    for (i++; i < text.length;) {
      const c = text[i]!;
      if (c === '"') return void i++;
      if (c === '\\') {
        ESCAPE.lastIndex = i;
        if (!ESCAPE.test(text)) fail();
        i = ESCAPE.lastIndex;
      } else if (c < ' ') fail();
      else i++;
    }
    fail();
  };
  const entries = (close: string, entry: () => void): void => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      entry();
      space();
      if (text[i] === close) return void i++;
      if (text[i] !== ',') fail();
      i++;
    }
  };
  const value = (): void => {
    space();
    if (text[i] === '{')
      return entries('}', () => {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ':') fail();
        i++;
        value();
      });
    if (text[i] === '[') return entries(']', value);
    if (text[i] === '"') return string();
    NUMBER_OR_LITERAL.lastIndex = i;
    if (!NUMBER_OR_LITERAL.test(text)) fail();
    i = NUMBER_OR_LITERAL.lastIndex;
  };
  try {
    value();
    space();
    return i < text.length ? i : 0;
  } catch (at) {
    return typeof at === 'number' ? at : 0; // a RangeError: nested too deeply to say where
  }
}

/**
 * JSON's own syntax error in `text`, positioned, or undefined when it is valid JSON. (YAML reads
 * most broken JSON too, but reports it in YAML's terms, or accepts it: a trailing comma.)
 */
export function jsonSyntaxError(file: string, text: string): PolicyError | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const v8 = (err as Error).message;
    // V8 names no position for a bad literal (`tru`, `'text'`, `undefined`): it quotes the text.
    const reason = / is not valid JSON$/.test(v8)
      ? 'expected a value: "text" in double quotes, a number, true, false, null, [ or {'
      : v8.replace(/,? (?:in JSON )?at position \d+.*$/s, '').replace(/ in JSON$/, '');
    return policyError(
      file,
      lineColumn(text, errorOffset(text)),
      'json',
      `invalid JSON: ${reason}`,
      'correct the JSON here: commas between entries but none after the last, keys and strings in double quotes',
    );
  }
}
