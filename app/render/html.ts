import { oneLine, unlink } from './plain.ts';

/**
 * Untrusted text inside HTML that GitHub renders as Markdown (a step's job summary): no element,
 * attribute or entity of its own, on one line (a blank line would end the HTML block and let the
 * rest be read as Markdown), and no link, mention or e-mail address for GitHub's filters to make.
 */
export const inertHtml = (text: string): string =>
  unlink(oneLine(text))
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

/**
 * Text for the app's own pages, which no Markdown filter reads: every character that HTML gives a
 * meaning (`& < > " '`) is escaped, and control and bidirectional characters show as U+FFFD, so
 * text cannot close an element or attribute, or reorder what follows it.
 */
export const escapeHtml = (text: string): string =>
  text
    .replace(/[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, (c) =>
      c === '\n' || c === '\t' ? c : '\ufffd',
    )
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
