// Text from outside (names, companies, subjects, error messages, what an agent pasted)
// reaches the agent's terminal. Control characters in it could move the cursor, clear the
// screen, retitle the window, set the clipboard or forge output; bidirectional and invisible
// characters can make text read differently from what it is.

// C0 (but tab and newline), DEL, C1; format characters (bidirectional marks, overrides and
// isolates, zero widths, soft hyphen, word joiner, BOM, tags...); line and paragraph
// separators; the Hangul fillers, which draw as blanks. Variation selectors are marks, not
// format characters: they stay, so emoji keep their look. A zero-width joiner between two
// emoji is part of one emoji (a family, a profession) and stays too.
const UNSAFE =
  /(?<keep>(?<=\p{Extended_Pictographic}\p{Emoji_Modifier}?\uFE0F?)\u200D(?=\p{Extended_Pictographic}))|[\p{Cc}\p{Cf}\u2028\u2029\u115F\u1160\u3164\uFFA0]/gu;

const PLAIN = /^[\x20-\x7e\t\n]*$/;

function escape(char: string): string {
  let text = '';
  for (let i = 0; i < char.length; i++) text += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return text;
}

/**
 * Text safe to print on a terminal: every control, bidirectional and invisible character is
 * shown as a \uXXXX escape (surrogate pairs beyond the BMP), so "Eve\u202e" reads as it is
 * stored and nothing acts on the terminal. Tabs and newlines stay; CRLF becomes LF. The
 * escapes are JSON's own, so JSON text stays valid JSON with the same meaning.
 */
export function terminalText(text: string): string {
  // Printable ASCII with tabs and newlines has nothing to escape (most text, every report line).
  if (PLAIN.test(text)) return text;
  return text.replace(/\r\n/g, '\n').replace(UNSAFE, (char, ...rest) => {
    const groups = rest.at(-1) as { keep?: string };
    return groups.keep !== undefined || char === '\n' || char === '\t' ? char : escape(char);
  });
}

/** JSON for a terminal or a pipe: two-space indented, with the same escapes as terminalText. */
export function jsonText(value: unknown, indent = 2): string {
  return terminalText(JSON.stringify(value, null, indent) ?? 'null');
}

// Control characters only (newlines stay), for text that must stay one clean value.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/** Drops control characters (keeping newlines) from every string of a value. */
export function withoutControlCharacters<T>(value: T): T {
  if (typeof value === 'string') return value.replace(CONTROL, '') as T;
  if (Array.isArray(value)) return value.map(withoutControlCharacters) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutControlCharacters(item)])) as T;
  }
  return value;
}
