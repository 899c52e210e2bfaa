// The renderer of untrusted text inside HTML that GitHub reads as Markdown (the step's summary).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inertHtml } from '../../app/render/html.ts';
import { asOneLine, elements, hostileText, linkifies, renderGfm, textOf } from '../helpers/gfm.ts';

describe('inertHtml', () => {
  it('in a heading and a table cell renders as its text: no element, Markdown or link of its own', () => {
    fc.assert(
      fc.property(hostileText, (s) => {
        const html = renderGfm(
          `<h3>jit-approvals: ${inertHtml(s)}</h3>\n<table><tr><th>Job</th><td>${inertHtml(s)}</td></tr></table>\n`,
        );
        expect(elements(html)).toEqual({ h3: 1, table: 1, tr: 1, th: 1, td: 1 });
        expect(textOf(html)).toContain(`jit-approvals: ${asOneLine(s)}`.trim());
        expect(linkifies(textOf(html, { joiners: true }))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
