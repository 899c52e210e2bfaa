// The grammar of `/approve` and `/deny` comments, read by a hand-written scanner: one pass over the
// comment's first line, no regular expression and no backtracking, whatever a stranger writes.
import { voteComment } from './vote-comment.ts';

/** A comment command: the verb, the request it names (if any), and what the voter wrote after it. */
export interface CommentCommand {
  verb: 'approve' | 'deny';
  /** The request's exact action name or id, as written (at most `MAX_TARGET` + 1 characters kept). */
  target: string | null;
  comment: string | null;
}

/** Action names and request ids are at most 100 characters: a longer word names nothing. */
export const MAX_TARGET = 100;

/** The shape of a request id: `req_` and 24 lower-case hex digits. */
export const isRequestId = (word: string): boolean => {
  if (word.length !== 28 || !word.startsWith('req_')) return false;
  for (let i = 4; i < 28; i++) {
    const c = word.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
};

/** Space, tab, vertical tab, form feed and no-break space separate the words of a command. */
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 11 || c === 12 || c === 160;

/** Where the first line ends: at the first CR or LF, or at the end. */
function firstLineEnd(text: string): number {
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  const ends = [lf, cr].filter((i) => i >= 0);
  return ends.length === 0 ? text.length : Math.min(...ends);
}

/**
 * The command in a comment, or undefined when it has none. The command is the first word of the
 * first line (after spaces), `/approve` or `/deny` in any case, ending at a space or the line's
 * end: `/approvers` and `/deny-list` are not commands, nor is a command further down, quoted,
 * fenced or in code. The next word, if any, names the request (its exact action name or id); the
 * rest of the line is the voter's comment.
 */
export function parseCommand(body: string): CommentCommand | undefined {
  const end = firstLineEnd(body);
  let i = 0;
  while (i < end && isSpace(body.charCodeAt(i))) i++;
  const start = i;
  while (i < end && !isSpace(body.charCodeAt(i))) i++;
  const length = i - start;
  if (length !== 8 && length !== 5) return undefined;
  const word = body.slice(start, i).toLowerCase();
  if (word !== '/approve' && word !== '/deny') return undefined;
  while (i < end && isSpace(body.charCodeAt(i))) i++;
  const from = i;
  while (i < end && !isSpace(body.charCodeAt(i))) i++;
  const target = i > from ? body.slice(from, Math.min(i, from + MAX_TARGET + 1)) : null;
  return {
    verb: word === '/approve' ? 'approve' : 'deny',
    target,
    comment: target === null ? null : voteComment(body.slice(i, end)),
  };
}
