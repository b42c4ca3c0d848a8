// How a table fits the terminal. Text is measured in terminal columns (string-width: CJK
// characters and most emoji take two). When the table is too wide, the columns that may
// wrap narrow, the widest first, down to their longest word; if that is not enough, the
// columns the table lets go are dropped, least useful first; if it still does not fit,
// words break, those of columns kept whole too. The table is never wider than the terminal.
import { graphemes, textWidth } from './text-width.ts';

export interface Column {
  header: string;
  /**
   * False for values an agent copies whole (emails, slugs, ids): they break only when
   * nothing else can give way. By default cells wrap at spaces and after a slash.
   */
  wrap?: boolean;
  /** A column that may go when wrapping is not enough; the lowest number goes first. */
  drop?: number;
}

export interface TableLayout {
  /** The columns shown, as indexes into the table's columns, in order. */
  shown: number[];
  /** The text width of each shown column (without its padding). */
  widths: number[];
}

/** Each cell has a space either side; a border before each column and one at the end. */
export function tableWidth(widths: readonly number[]): number {
  return widths.reduce((sum, width) => sum + width + 3, 1);
}

// Where a line may break: after spaces (which the break eats) and after a slash.
const PIECES = /\s+|[^\s/]*\/|[^\s/]+/g;

function lines(text: string): string[] {
  return text.split('\n');
}

function widest(texts: Iterable<number>): number {
  let max = 0;
  for (const width of texts) max = Math.max(max, width);
  return max;
}

function longestPiece(text: string): number {
  return widest(lines(text).flatMap((line) => (line.match(PIECES) ?? []).filter((piece) => piece.trim() !== '').map((piece) => textWidth(piece))));
}

function widestGrapheme(text: string): number {
  return widest(graphemes(text).map(textWidth));
}

/** Narrows the widest columns that are above their floor, one column of text at a time, until the table fits or none can narrow. */
function narrow(widths: number[], floors: readonly number[], terminalWidth: number): boolean {
  while (tableWidth(widths) > terminalWidth) {
    let pick = -1;
    for (let i = 0; i < widths.length; i++) {
      if (widths[i]! > floors[i]! && (pick === -1 || widths[i]! > widths[pick]!)) pick = i;
    }
    if (pick === -1) return false;
    widths[pick]! -= 1;
  }
  return true;
}

/**
 * Which columns to show and how wide, for a terminal this wide (0 or less: as wide as
 * the text). `table` holds the header row first, then the rows, as plain text.
 */
export function layoutTable(columns: readonly Column[], table: readonly (readonly string[])[], terminalWidth: number): TableLayout {
  const cells = (i: number) => table.map((row) => row[i] ?? '');
  const natural = columns.map((_, i) => Math.max(1, widest(cells(i).flatMap(lines).map((line) => textWidth(line)))));
  const all = columns.map((_, i) => i);
  if (terminalWidth <= 0 || tableWidth(natural) <= terminalWidth) return { shown: all, widths: natural };

  const wordFloor = columns.map((column, i) => (column.wrap === false ? natural[i]! : Math.max(1, widest(cells(i).map(longestPiece)))));
  let shown = all;
  for (;;) {
    const widths = shown.map((i) => natural[i]!);
    if (narrow(widths, shown.map((i) => wordFloor[i]!), terminalWidth)) return { shown, widths };
    const droppable = shown.filter((i) => columns[i]!.drop !== undefined);
    if (droppable.length === 0) break;
    const first = droppable.reduce((a, b) => (columns[b]!.drop! < columns[a]!.drop! ? b : a));
    shown = shown.filter((i) => i !== first);
  }
  // Nothing left to drop: words break, down to one character (a wide one takes two), in
  // the columns that wrap first, then in those kept whole.
  const widths = shown.map((i) => natural[i]!);
  const graphemeFloor = shown.map((i) => Math.max(1, widest(cells(i).map(widestGrapheme))));
  narrow(widths, shown.map((i) => wordFloor[i]!), terminalWidth);
  narrow(widths, shown.map((i, k) => (columns[i]!.wrap === false ? widths[k]! : graphemeFloor[k]!)), terminalWidth);
  narrow(widths, graphemeFloor, terminalWidth);
  return { shown, widths };
}

/** A cell's text as lines no wider than `width`: broken at spaces and after slashes, and inside a word only when it is wider than the column. */
export function wrapText(text: string, width: number): string[] {
  const result: string[] = [];
  for (const line of lines(text)) {
    let current = '';
    let currentWidth = 0;
    let space = '';
    const flush = () => {
      result.push(current);
      current = '';
      currentWidth = 0;
      space = '';
    };
    for (const piece of line.match(PIECES) ?? []) {
      if (piece.trim() === '') {
        if (current !== '') space = piece;
        continue;
      }
      const pieceWidth = textWidth(piece);
      const spaceWidth = textWidth(space);
      if (currentWidth + spaceWidth + pieceWidth <= width) {
        current += space + piece;
        currentWidth += spaceWidth + pieceWidth;
        space = '';
        continue;
      }
      if (current !== '') flush();
      if (pieceWidth <= width) {
        current = piece;
        currentWidth = pieceWidth;
        continue;
      }
      for (const segment of graphemes(piece)) {
        const segmentWidth = textWidth(segment);
        if (currentWidth + segmentWidth > width && current !== '') flush();
        current += segment;
        currentWidth += segmentWidth;
      }
    }
    result.push(current);
  }
  return result;
}
