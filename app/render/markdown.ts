import { oneLine, unlink } from './plain.ts';

/**
 * Characters with a meaning anywhere in a line of GitHub Markdown: escapes, code, emphasis,
 * strikethrough, links and images, raw HTML and autolinks, entities, table cells, math, headings
 * and footnotes. Each is backslash-escaped (CommonMark shows an escaped punctuation mark as itself).
 */
const INLINE = /[\\`*_~[\]!<>&|$#]/g;

/**
 * Untrusted text for GitHub Markdown prose (a table cell, a list item, a sentence): shown as the
 * text it is, on one line, with no element, table cell, link, mention or math of its own. Safe at
 * the start of a block too: a leading `-`, `+`, `=` or `1.` / `1)` is escaped.
 */
export function inertText(text: string): string {
  const escaped = oneLine(text)
    .replace(INLINE, '\\$&')
    .replace(/^[-+=]/, '\\$&')
    .replace(/^(\d+)([.)])/, '$1\\$2');
  return unlink(escaped);
}

/** One code span around `text` (no `|`, no line ending): a fence longer than any run of backticks in it. */
function codeSpan(text: string): string {
  const [, lead = '', body = '', trail = ''] = /^( *)(.*?)( *)$/.exec(text) ?? [];
  if (body === '') return text;
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${lead}${fence} ${body} ${fence}${trail}`;
}

/**
 * Untrusted text as inline code (a ref, a job key, an action), on one line. A `|` ends a table
 * cell even inside a code span, and `\|` shows as `\|` in a code span outside a table, so each `|`
 * is written between code spans, escaped: it reads the same in a table and out of one.
 */
export const inertCode = (text: string): string => oneLine(text).split('|').map(codeSpan).join('\\|');

const LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}(?:\[bot\])?$/;
const TEAM = /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][\w.-]*$/;

/**
 * `@login` or `@org/team`, a mention the template means to make; a name that is neither a login
 * nor a team is shown as inert text (no mention).
 */
export const mention = (name: string): string =>
  LOGIN.test(name) || TEAM.test(name)
    ? `@${inertText(name).replaceAll(/\u2060/g, '')}`
    : inertText(`@${name}`);
