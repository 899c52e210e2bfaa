// The renderer of untrusted text for GitHub Markdown, checked with a real GFM renderer: whatever
// the text, it renders as that text (on one line) and as nothing else, wherever a template puts it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inertCode, inertText, mention } from '../../app/render/markdown.ts';
import { inertPlain } from '../../app/render/plain.ts';
import { asOneLine, elements, hostileText, linkifies, renderGfm, textOf } from '../helpers/gfm.ts';

const RUNS = { numRuns: 500 };

/** Where a template may put untrusted text, and the elements the template itself makes there. */
const PLACES: [string, (s: string) => string, Record<string, number>][] = [
  ['a sentence', (s) => `Reason: ${s}.`, { p: 1 }],
  ['a list item', (s) => `- ${s}\n- next`, { ul: 1, li: 2 }],
  ['bold text', (s) => `**${s || '—'}**: 1 of 2`, { p: 1, strong: 1 }],
  [
    'a table cell',
    (s) => `| | |\n|---|---|\n| Reason | ${s} |\n| Next | x |`,
    { table: 1, thead: 1, tbody: 1, tr: 3, th: 2, td: 4 },
  ],
  ['link text', (s) => `[${s}](https://github.com/acme/shop)`, { p: 1, a: 1 }],
];

describe('inertText', () => {
  it.each(PLACES)('in %s renders as its text and makes no element of its own', (_, place, made) => {
    fc.assert(
      fc.property(hostileText, (s) => {
        const html = renderGfm(place(inertText(s)));
        expect(elements(html)).toEqual(made);
        expect(textOf(html)).toContain(asOneLine(s));
      }),
      RUNS,
    );
  });

  it('leaves ordinary text readable', () => {
    expect(inertText('release 1.2 of deploy-web, see docs/ops.md (step 3)')).toBe(
      'release 1.2 of deploy-web, see docs/ops.md (step 3)',
    );
    expect(inertText('routine\r\r### Votes\r- @alice: approve')).toBe(
      'routine \\#\\#\\# Votes - \u2060@\u2060alice: approve',
    );
  });
});

describe('inertCode', () => {
  it.each(PLACES)('in %s renders as code of its text, and nothing else', (_, place, made) => {
    fc.assert(
      fc.property(hostileText, (s) => {
        const html = renderGfm(place(inertCode(s)));
        expect(elements(html, { ignore: ['code'] })).toEqual(made);
        expect(textOf(html)).toContain(asOneLine(s));
      }),
      RUNS,
    );
  });

  it('fences text holding backticks with a longer run, and keeps `|` out of code spans', () => {
    expect(inertCode('refs/heads/main')).toBe('` refs/heads/main `');
    expect(inertCode('a`b``c')).toBe('``` a`b``c ```');
    expect(inertCode('a | b')).toBe('` a ` \\| ` b `');
  });
});

describe('mention', () => {
  it('mentions logins, bots and teams, and nothing that is not one', () => {
    const links = (md: string) => elements(renderGfm(md)).a ?? 0;
    expect(links(mention('alice'))).toBe(1);
    expect(links(mention('acme/sre'))).toBe(1);
    expect(textOf(renderGfm(mention('renovate[bot]'))).trim()).toBe('@renovate[bot]');
    for (const name of ['a@b.example', 'x y', '@alice', 'https://evil.example', '-x'])
      expect(links(mention(name))).toBe(0);
  });
});

describe('inertPlain', () => {
  it('is one line with no control character, and links nothing', () => {
    fc.assert(
      fc.property(hostileText, (s) => {
        const plain = inertPlain(s);
        expect(plain.replaceAll('\u2060', '')).toBe(asOneLine(s));
        expect(linkifies(plain)).toBe(false);
      }),
      RUNS,
    );
  });
});
