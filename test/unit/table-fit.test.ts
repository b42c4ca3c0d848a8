// Tables on a terminal: measured in terminal columns, fitted to the width by wrapping,
// then dropping the columns a table lets go, then breaking words; never wider.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { layoutTable, tableWidth, wrapText, type Column } from '../../src/cli/render/table.ts';

const PEOPLE: Column[] = [{ header: 'Name' }, { header: 'Email', wrap: false }, { header: 'Company', drop: 1 }, { header: 'Registrations' }];
const HEADERS = PEOPLE.map((c) => c.header);

/** Every line of every cell, wrapped as the table draws it. */
function drawn(columns: Column[], table: string[][], width: number): { shown: string[]; cells: string[][][]; total: number } {
  const layout = layoutTable(columns, table, width);
  return {
    shown: layout.shown.map((i) => columns[i]!.header),
    cells: table.map((row) => layout.shown.map((i, k) => wrapText(row[i] ?? '', layout.widths[k]!))),
    total: tableWidth(layout.widths),
  };
}

describe('measuring', () => {
  it('counts CJK characters and emoji as two columns', () => {
    const layout = layoutTable([{ header: 'A' }, { header: 'B' }, { header: 'C' }], [['A', 'B', 'C'], ['佐藤ユキ', '👨‍👩‍👧', 'abc']], 0);
    expect(layout.widths).toEqual([8, 2, 3]);
  });

  it('keeps a table as wide as its text when the terminal width is unknown', () => {
    const rows = [HEADERS, ['Priya Natarajan', 'priya.natarajan@fabrikam.example', 'Fabrikam', 'product-summit-2027: registered/pending_verification']];
    expect(layoutTable(PEOPLE, rows, 0)).toEqual({ shown: [0, 1, 2, 3], widths: [15, 32, 8, 52] });
  });
});

describe('fitting 80 columns', () => {
  it('wraps text at spaces and after slashes first, keeping every column and the email whole', () => {
    const rows = [HEADERS, ['Priya Natarajan', 'priya.natarajan@fabrikam.example', 'Fabrikam', 'customer-day-live: attended/joined']];
    const { shown, cells, total } = drawn(PEOPLE, rows, 80);
    expect(shown).toEqual(HEADERS);
    expect(total).toBeLessThanOrEqual(80);
    expect(cells[1]).toEqual([
      ['Priya', 'Natarajan'],
      ['priya.natarajan@fabrikam.example'],
      ['Fabrikam'],
      ['customer-day-live:', 'attended/joined'],
    ]);
  });

  it('drops the column the table lets go when wrapping is not enough; names and emails stay whole', () => {
    const rows = [
      HEADERS,
      ['佐藤ユキ', 'yuki.sato@proseware.example', '株式会社プロスウェア', 'partner-kickoff-2026: registered/pending_verification'],
      ['Priya Natarajan', 'priya.natarajan@fabrikam.example', 'Fabrikam', 'product-summit-2027: registered/pending_verification'],
    ];
    const { shown, cells, total } = drawn(PEOPLE, rows, 80);
    expect(shown).toEqual(['Name', 'Email', 'Registrations']);
    expect(total).toBeLessThanOrEqual(80);
    // The CJK name is whole on one line, as are both emails.
    expect(cells[1]![0]).toEqual(['佐藤ユキ']);
    expect(cells[2]![1]).toEqual(['priya.natarajan@fabrikam.example']);
  });

  it('drops the lowest-ranked column first, and only as many as it takes', () => {
    const columns: Column[] = [{ header: 'Id', wrap: false }, { header: 'Note', drop: 2 }, { header: 'Extra', drop: 1 }];
    const rows = [['Id', 'Note', 'Extra'], ['x'.repeat(40), 'y'.repeat(20), 'z'.repeat(20)]];
    expect(drawn(columns, rows, 70).shown).toEqual(['Id', 'Note']);
    expect(drawn(columns, rows, 50).shown).toEqual(['Id']);
  });

  it('never draws wider than the terminal: words break, those of columns kept whole last', () => {
    const rows = [HEADERS, ['Priya Natarajan', 'priya.natarajan@fabrikam.example', 'Fabrikam', 'product-summit-2027: registered/pending_verification']];
    for (const width of [60, 40, 30]) {
      const { cells, total } = drawn(PEOPLE, rows, width);
      expect(total).toBeLessThanOrEqual(width);
      // Nothing is lost: the lines put back together are the text.
      expect(cells[1]![0]!.join('')).toBe('PriyaNatarajan');
      expect(cells[1]![1]!.join('')).toBe('priya.natarajan@fabrikam.example');
    }
    // At 60 the name wraps at its space before the email breaks.
    expect(drawn(PEOPLE, rows, 60).cells[1]![0]).toEqual(['Priya', 'Natarajan']);
  });
});

describe('wrapping a cell', () => {
  it('breaks CJK text between characters by width, never inside an emoji', () => {
    expect(wrapText('佐藤ユキ', 5)).toEqual(['佐藤', 'ユキ']);
    expect(wrapText('ab👨‍👩‍👧cd', 3)).toEqual(['ab', '👨‍👩‍👧c', 'd']);
    for (const line of wrapText('東京 オリンピック 2026 👍🏽 party', 6)) expect(stringWidth(line)).toBeLessThanOrEqual(6);
  });

  it('keeps the lines a value already has', () => {
    expect(wrapText('one\ntwo three', 5)).toEqual(['one', 'two', 'three']);
  });
});
