// Columns a text takes on a terminal. string-width measures any text (CJK and most emoji
// take two columns) but builds a grapheme segmenter and large Unicode patterns as it
// loads, about 25 ms, more than the rest of a command's start-up. Most of what t1 prints
// is printable ASCII, one column per character, so string-width is loaded (from
// node_modules, once) the first time other text is measured.
import { createRequire } from 'node:module';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const load = createRequire(import.meta.url);

export function textWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  return (load('string-width') as { default: (text: string) => number }).default(text);
}

/** The text's characters as a person sees them (a flag emoji is one), for breaking a word. */
export function graphemes(text: string): string[] {
  if (PRINTABLE_ASCII.test(text)) return [...text];
  return Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text), (g) => g.segment);
}
