// Check run summaries as GitHub shows them: GitHub-flavoured Markdown (tables, links, code), by a
// real CommonMark renderer. Raw HTML is not rendered, as GitHub's sanitizer would not keep most of it.
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: true });

const escape = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

export const markdown = (text: string): string => md.render(text);
export { escape };
