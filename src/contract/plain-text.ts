// What people may put in names and other free text (company, job title, reason, ticket):
// anything printable. C0 and C1 controls (tab and newline included), DEL, the line and
// paragraph separators, and the bidi embeddings, overrides and isolates are refused: the
// first can rewrite an agent's terminal, the last make text read in another order than
// it is stored. Invisible joiners stay allowed here: some scripts and emoji need them.
const NOT_PLAIN = '\\p{Cc}\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';

/** Matches text free of the characters above. */
export const NO_CONTROL_CHARACTERS = new RegExp(`^[^${NOT_PLAIN}]*$`, 'u');

export const PLAIN_TEXT_MESSAGE = 'must not contain control characters or text-direction overrides';

export function isPlainText(text: string): boolean {
  return NO_CONTROL_CHARACTERS.test(text);
}

