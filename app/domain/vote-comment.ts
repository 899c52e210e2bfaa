/** The most a vote's comment keeps, in characters (code points, never half of one). */
export const MAX_VOTE_COMMENT = 1000;

/**
 * Line breaks (a browser sends CRLF), and every other control character or unpaired UTF-16
 * surrogate, which PostgreSQL's JSONB refuses to store. One pass, no backtracking.
 */
const UNSTORABLE = /\r\n?|[^\P{Cc}\n\t]|\p{Cs}/gu;

/**
 * What a voter wrote with a vote, as it is stored and shown: line breaks as `\n`, no other control
 * character, no unpaired surrogate, trimmed, and cut at `MAX_VOTE_COMMENT` characters; null when
 * nothing is left. Every way to vote (a comment command, the approval page, chat) stores its text
 * through this one cut, so none can store half an emoji. Linear in the text's length.
 */
export function voteComment(text: string): string | null {
  const clean = text.replace(UNSTORABLE, (m) => (m[0] === '\r' ? '\n' : '')).trim();
  let kept = 0;
  let end = 0;
  for (const ch of clean) {
    if (kept === MAX_VOTE_COMMENT) break;
    kept++;
    end += ch.length;
  }
  const cut = clean.slice(0, end).trim();
  return cut === '' ? null : cut;
}
