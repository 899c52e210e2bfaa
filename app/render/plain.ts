/**
 * Untrusted text made inert for any surface: one line, no control characters, and nothing a
 * linkifier could take for a link, a mention or an e-mail address. The Markdown and HTML renderers
 * build on it; a check run's title, which GitHub shows as plain text, uses it alone.
 */

/** The bidirectional controls, which reorder the text that follows them. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** U+2060 WORD JOINER: invisible, and no autolinker, mention or emoji filter reads through it. */
export const WORD_JOINER = '\u2060';

/**
 * One line: each run of whitespace (line endings included: CR alone ends a line in CommonMark) is
 * one space, leading and trailing whitespace goes, and other control characters (C0, C1) and
 * bidirectional controls show as U+FFFD.
 */
export const oneLine = (text: string): string =>
  text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\p{Cc}/gu, '\ufffd')
    .replace(BIDI, '\ufffd');

/**
 * Breaks what GitHub would turn into a link: `https://` (and every `scheme:`), `www.`, e-mail
 * addresses and @mentions, `#123` issue references and `:emoji:`, with word joiners. The text
 * reads the same.
 */
export const unlink = (text: string): string =>
  text
    .replaceAll('@', `${WORD_JOINER}@${WORD_JOINER}`)
    .replace(/:(?=\S)/g, `:${WORD_JOINER}`)
    .replace(/(www)\./gi, `$1${WORD_JOINER}.`)
    .replace(/#(?=\d)/g, `#${WORD_JOINER}`);

/** Untrusted text for a plain-text surface (a check run's name or title): one line, no links. */
export const inertPlain = (text: string): string => unlink(oneLine(text));

/** `1 policy`, `2 policies`: a count with its noun. */
export const counted = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
