// GitHub-flavoured Markdown as reviewers see it, rendered by a real CommonMark renderer
// (markdown-it: tables, strikethrough, raw HTML) with GitHub's autolinks: `https://`, `www.`,
// e-mail addresses, and what GitHub links after rendering (@mentions, #123). Any of these in the
// output is an `<a>`, so a test counts links to find the ones the template did not put there.
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: true, linkify: true });
// GitHub links `www.` but not bare domains (`evil.com`) or `//evil.com`.
md.linkify.set({ fuzzyLink: false, fuzzyEmail: true });
md.linkify.add('//', null);
md.linkify.add('www.', {
  validate: (text, pos) => /^[\w-]+(?:\.[\w-]+)*[^\s<]*/.exec(text.slice(pos))?.[0].length ?? 0,
  normalize: (m) => void (m.url = `http://${m.url}`),
});
md.linkify.add('@', {
  validate: (text, pos) => /^[A-Za-z0-9][A-Za-z0-9-]*(?:\/[\w.-]+)?/.exec(text.slice(pos))?.[0].length ?? 0,
  normalize: (m) => void (m.url = `https://github.com/${m.url.slice(1)}`),
});
md.linkify.add('#', {
  validate: (text, pos) => /^\d+/.exec(text.slice(pos))?.[0].length ?? 0,
  normalize: (m) => void (m.url = `https://github.com/issues/${m.url.slice(1)}`),
});

export const renderGfm = (markdown: string): string => md.render(markdown);

/** Would GitHub's autolinks (as above) find a link, e-mail address, mention or issue in this text? */
export const linkifies = (text: string): boolean => md.linkify.test(text);

/**
 * How often each element occurs in rendered HTML (markdown-it escapes `<` in text, so every `<x`
 * is one), but those in `ignore`.
 */
export function elements(html: string, { ignore = [] as string[] } = {}): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of html.matchAll(/<([A-Za-z][\w-]*)/g)) {
    const name = m[1]!.toLowerCase();
    if (!ignore.includes(name)) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** The `href`s of the links in rendered HTML. */
export const hrefs = (html: string): string[] =>
  [...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((m) => decode(m[1]!));

const decode = (s: string): string =>
  s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&');

/**
 * What a reader sees of rendered HTML: its text, without tags, entities decoded, and without the
 * (invisible) word joiners unless `joiners` (what a linkifier reads).
 */
export function textOf(html: string, { joiners = false } = {}): string {
  const text = decode(html.replace(/<[^>]*>/g, ''));
  return joiners ? text : text.replaceAll('\u2060', '');
}

/**
 * What a reader should see of untrusted text shown on one line: whitespace runs (line endings
 * included) as one space, trimmed, control and bidi characters as U+FFFD, word joiners unseen.
 */
export const asOneLine = (s: string): string =>
  s
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\p{Cc}\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/gu, '\ufffd')
    .replaceAll('\u2060', '');

/** The text of the table cell after the one whose text is `label`. */
export function cellAfter(html: string, label: string): string | undefined {
  const cells = [...html.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
  const i = cells.findIndex((c) => textOf(c) === label);
  return i < 0 ? undefined : textOf(cells[i + 1] ?? '');
}

/**
 * Hostile text: pieces of Markdown, HTML, autolinks, mentions, line endings and control and bidi
 * characters, mixed with arbitrary ones.
 */
export const HOSTILE_PIECES = [
  '\r',
  '\n',
  '\r\n',
  '\t',
  '    ',
  ' ',
  '|',
  '\\',
  '\\|',
  '`',
  '```',
  '~~~',
  '*',
  '**',
  '_',
  '~~',
  '#',
  '### ',
  '# ',
  '-',
  '- ',
  '+ ',
  '* ',
  '1. ',
  '2) ',
  '> ',
  '---',
  '===',
  '[',
  ']',
  '(',
  ')',
  '[x](https://evil.example/a)',
  '![p](https://evil.example/p.png)',
  '[ref]: https://evil.example',
  '[^1]',
  '- [ ] ',
  '<',
  '>',
  '<img src=x onerror=alert(1)>',
  '<a href="https://evil.example">',
  '</td></tr><tr><td>',
  '<!--',
  '<script>',
  '&',
  '&lt;',
  '&#60;',
  '&amp;',
  'https://evil.example',
  'http://evil.example/x?y=1',
  'www.evil.example',
  'WWW.Evil.example',
  'mailto:a@evil.example',
  'a@evil.example',
  '@alice',
  '@acme/sre',
  '#12',
  ':shipit:',
  '$x^2$',
  '$$',
  '\\\\',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\u202e',
  '\u2066',
  '\u200f',
  '\u3000',
  'é',
  '🚀',
];

/** Hostile text: up to 8 of the pieces above and arbitrary characters, joined. */
export const hostileText = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.string({ unit: 'binary', maxLength: 4 })), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(''));
