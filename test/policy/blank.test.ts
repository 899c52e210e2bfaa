// What counts as "no reason": decided by Unicode properties (app/policy/blank.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBlank } from '../../app/policy/blank.ts';
import { evaluate } from '../../app/policy/evaluate.ts';
import { compile, request } from '../helpers/policies.ts';

/** Every code point but the surrogates (a string cannot hold one alone). */
function* codePoints(): Generator<string> {
  for (let cp = 0; cp <= 0x10ffff; cp++) if (cp < 0xd800 || cp > 0xdfff) yield String.fromCodePoint(cp);
}

const NOTHING = /[\p{Z}\p{Cc}\p{Cf}\p{M}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}]/u;
const blankChar = fc.constantFrom(
  ' ',
  '\t',
  '\n',
  '\u200b',
  '\u2060',
  '\u3164',
  '\u2800',
  '\u{1D159}',
  '\u0301',
);
const blankText = fc.array(blankChar, { maxLength: 20 }).map((a) => a.join(''));
const anyText = fc.string({ unit: 'grapheme', maxLength: 20 });

describe('isBlank', () => {
  it('no separator, control, format, private-use, unassigned, lone mark or ignorable code point is a reason', () => {
    const seen: string[] = [];
    for (const ch of codePoints()) if (NOTHING.test(ch) && !isBlank(ch)) seen.push(ch);
    expect(seen.map((c) => c.codePointAt(0)!.toString(16))).toEqual([]);
  });

  it('every letter and number that is not ignorable is a reason, and so are emoji and math, currency and modifier signs', () => {
    for (const text of ['a', 'Ж', '漢', '٣', '42', '🔥', '©', '+', '€', '^', 'é', 'e\u0301'])
      expect(isBlank(text), text).toBe(false);
    for (const text of [
      undefined,
      null,
      '',
      ' \u3164 ',
      '\u115f\u1160\uffa0',
      '\u2800',
      '\u{1D159}',
      '\u{1FC00}',
    ])
      expect(isBlank(text), JSON.stringify(text)).toBe(true);
  });

  it('blank padding never turns a reason into none, nor nothing into a reason', () => {
    fc.assert(
      fc.property(anyText, blankText, blankText, (text, before, after) => {
        expect(isBlank(before + text + after)).toBe(isBlank(text));
      }),
    );
  });

  it('a text is a reason when any part of it is', () => {
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        expect(isBlank(a + b)).toBe(isBlank(a) && isBlank(b));
      }),
    );
  });

  it('reason_required and break-glass in the engine use it', () => {
    const policies = compile(`version: 1
policies:
  - name: prod
    match: { action: [deploy-web] }
    approvers: { users: [alice] }
    reason_required: true
`);
    const decide = (reason: string) => evaluate(policies, request({ reason }), [], {}, Date.now());
    expect(decide('\u{1D159}\u2800').outcome).toBe('denied');
    expect(decide('🔥').outcome).toBe('pending');
  });
});
