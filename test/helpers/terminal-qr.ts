// Reads back a QR code drawn in a terminal with half-block characters: each character is
// two modules stacked, the drawn part light and the blank part dark, as on a dark
// terminal. The modules are painted into an RGBA image and decoded by jsQR, a decoder that
// shares no code with the library that drew them.
import { createRequire } from 'node:module';
import type { Options, QRCode } from 'jsqr';

type JsQr = (data: Uint8ClampedArray, width: number, height: number, options?: Options) => QRCode | null;
const jsQR = (createRequire(import.meta.url)('jsqr') as { default: JsQr }).default;

/** Top and bottom module of each half-block character: true is dark. */
const HALVES: Record<string, [boolean, boolean]> = {
  '█': [false, false],
  '▀': [false, true],
  '▄': [true, false],
  ' ': [true, true],
};

const QR_LINE = /^[█▀▄ ]+$/;

/**
 * The drawing's lines in `text`: the longest run of consecutive lines made only of
 * half blocks and spaces that holds at least one full block (so blank lines don't count).
 */
export function findTerminalQr(text: string): string[] {
  let best: string[] = [];
  let run: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (QR_LINE.test(line) && /[█▀▄]/.test(line)) {
      run.push(line);
      if (run.length > best.length) best = run;
    } else {
      run = [];
    }
  }
  return best;
}

export interface ModuleMatrix {
  /** rows of modules, true = dark */
  modules: boolean[][];
  /**
   * Modules per side of the code itself: the extent of its dark modules (the finder
   * patterns sit in three corners), without the light quiet zone drawn around it.
   */
  size: number;
}

/**
 * The module matrix of a half-block drawing. Rows that are dark from edge to edge (the
 * unused half of the last line, which on a terminal is just background) are dropped.
 */
export function drawingToMatrix(lines: string[]): ModuleMatrix {
  if (lines.length === 0) throw new Error('No QR drawing found.');
  const width = Math.max(...lines.map((line) => [...line].length));
  const rows: boolean[][] = [];
  for (const line of lines) {
    const chars = [...line.padEnd(width, ' ')];
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    for (const char of chars) {
      const halves = HALVES[char];
      if (!halves) throw new Error(`Unexpected character in the QR drawing: ${JSON.stringify(char)}`);
      top.push(halves[0]);
      bottom.push(halves[1]);
    }
    rows.push(top, bottom);
  }
  while (rows.length && rows[0]!.every(Boolean)) rows.shift();
  while (rows.length && rows[rows.length - 1]!.every(Boolean)) rows.pop();
  const darkRows = rows.flatMap((row, y) => (row.some(Boolean) ? [y] : []));
  const darkColumns = rows[0]!.flatMap((_, x) => (rows.some((row) => row[x]) ? [x] : []));
  const height = darkRows.at(-1)! - darkRows[0]! + 1;
  const across = darkColumns.at(-1)! - darkColumns[0]! + 1;
  if (height !== across) throw new Error(`The drawing is not square: ${across} modules across, ${height} down.`);
  return { modules: rows, size: height };
}

/** Paints modules into an RGBA image with `scale` pixels per module and a light quiet zone. */
export function matrixToRgba(modules: boolean[][], scale = 4, quietZone = 4): { data: Uint8ClampedArray; width: number; height: number } {
  const cols = Math.max(...modules.map((row) => row.length));
  const width = (cols + 2 * quietZone) * scale;
  const height = (modules.length + 2 * quietZone) * scale;
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const offset = (((y + quietZone) * scale + dy) * width + (x + quietZone) * scale + dx) * 4;
          data[offset] = data[offset + 1] = data[offset + 2] = 0;
        }
      }
    }),
  );
  return { data, width, height };
}

export interface DecodedQr {
  text: string;
  version: number;
  /** Modules per side of the drawn code (17 + 4 x version when read correctly). */
  size: number;
}

/**
 * Finds the QR drawing in terminal output and decodes it, dark modules as drawn on a dark
 * terminal (no inversion). Null when there is a drawing but it does not decode.
 */
export function decodeTerminalQr(text: string): DecodedQr | null {
  const { modules, size } = drawingToMatrix(findTerminalQr(text));
  const image = matrixToRgba(modules);
  const code = jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' });
  return code ? { text: code.data, version: code.version, size } : null;
}
