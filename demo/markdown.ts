// Check run summaries as GitHub shows them: GitHub-flavoured Markdown (tables, links, code), by a
// real CommonMark renderer. Raw HTML is not rendered, as GitHub's sanitizer would not keep most of it.
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: true });

const escape = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/**
 * The text without its HTML comments (`<!-- … -->`), which GitHub never shows: the app marks the
 * comments it writes with one (the request it is about). Read in linear time; an unclosed
 * `<!--` stays as it is.
 */
export function withoutHtmlComments(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const open = text.indexOf('<!--', at);
    const close = open < 0 ? -1 : text.indexOf('-->', open + 4);
    if (close < 0) return out + text.slice(at);
    out += text.slice(at, open);
    at = close + 3;
  }
}

export const markdown = (text: string): string => md.render(withoutHtmlComments(text));
export { escape };
