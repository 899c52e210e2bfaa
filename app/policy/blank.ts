/**
 * Whether a code point is something a reader sees: a letter or a number that is not a
 * Default_Ignorable_Code_Point (those render as nothing: the Hangul fillers U+115F, U+1160, U+3164,
 * U+FFA0 are letters in Unicode's categories, and ignorable), or a symbol that is drawn as a mark:
 * mathematical (Sm), currency (Sc), modifier (Sk), or an assigned Extended_Pictographic (emoji;
 * the property also covers code points reserved for future emoji, which render as nothing yet).
 *
 * Decided by Unicode's properties, not by a list of invisible characters: such a list is never
 * complete (Unicode adds blank-looking characters), and every character it misses is a way to give
 * a "reason" that says nothing. Other symbols (So) do not count, since some of them are blank by
 * design (U+2800 the blank Braille pattern, U+1D159 a null notehead). Separators, controls,
 * format characters and combining marks alone never count either.
 */
const SEEN = /[\p{L}\p{N}]/u;
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
const MARK_SYMBOL = /[\p{Sm}\p{Sc}\p{Sk}]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const UNASSIGNED = /\p{Cn}/u;

function visible(ch: string): boolean {
  if (SEEN.test(ch)) return !IGNORABLE.test(ch);
  return MARK_SYMBOL.test(ch) || (PICTOGRAPH.test(ch) && !UNASSIGNED.test(ch));
}

/**
 * Whether a reason (or any text a person must write) says nothing a reader can see: absent, empty,
 * or made only of code points that render as nothing. One pass over the code points, in linear
 * time. The one test of "no reason" for the engine and the API alike.
 */
export function isBlank(text: string | null | undefined): boolean {
  if (!text) return true;
  for (const ch of text) if (visible(ch)) return false;
  return true;
}
