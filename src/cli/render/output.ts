// How results reach the agent: a table or aligned record on a terminal, tab-separated
// rows for pipes, JSON with --json. Notices and hints go to stderr so stdout stays data.
import { Chalk, type ChalkInstance } from 'chalk';
import type { IO, OutputSettings } from '../io.ts';

export interface Column {
  header: string;
}

export class Output {
  readonly io: IO;
  readonly settings: OutputSettings;
  readonly style: ChalkInstance;

  constructor(io: IO, settings: OutputSettings) {
    this.io = io;
    this.settings = settings;
    this.style = new Chalk({ level: settings.color ? 1 : 0 });
  }

  get tty(): boolean {
    return this.io.stdoutIsTTY;
  }

  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A notice for the human at the terminal; never part of the data on stdout. */
  notice(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  hint(text: string): void {
    this.io.stderr.write(`${this.settings.color ? new Chalk({ level: 1 }).dim(text) : text}\n`);
  }

  async table(headers: string[], rows: string[][]): Promise<void> {
    if (!this.tty) {
      for (const row of rows) this.line(row.map(plainCell).join('\t'));
      return;
    }
    const { default: Table } = await import('cli-table3');
    const table = new Table({
      head: headers.map((h) => this.style.bold(h)),
      style: { head: [], border: [] },
      wordWrap: true,
      colWidths: fitColumns([headers, ...rows], this.io.stdout.columns ?? 0),
    });
    table.push(...rows);
    this.line(table.toString());
  }

  /** Label/value pairs: aligned on a terminal, "key<TAB>value" lines otherwise. */
  record(pairs: [string, string][]): void {
    if (!this.tty) {
      for (const [key, value] of pairs) this.line(`${key}\t${plainCell(value)}`);
      return;
    }
    const width = Math.max(...pairs.map(([key]) => key.length));
    for (const [key, value] of pairs) this.line(`${this.style.bold(key.padEnd(width))}  ${value}`);
  }

  heading(text: string): void {
    this.line(this.tty ? this.style.bold(text) : text);
  }
}

/**
 * Column widths (with padding) that fit the terminal where they can: the widest columns
 * give way first, but never below their longest word, so cli-table3 wraps text at spaces
 * and never cuts an email address or a slug an agent needs to copy.
 */
export function fitColumns(rows: string[][], terminalWidth: number): number[] {
  const longest = (i: number, measure: (cell: string) => number[]) => 2 + Math.max(...rows.map((row) => Math.max(0, ...measure(row[i] ?? ''))));
  const widths = rows[0]!.map((_, i) => longest(i, (cell) => cell.split('\n').map((line) => line.length)));
  const floors = rows[0]!.map((_, i) => longest(i, (cell) => cell.split(/\s+/).map((word) => word.length)));
  if (terminalWidth <= 0) return widths;
  const available = terminalWidth - (widths.length + 1);
  while (widths.reduce((a, b) => a + b, 0) > available) {
    const shrinkable = widths.map((w, i) => (w > floors[i]! ? w : -1));
    const widest = shrinkable.indexOf(Math.max(...shrinkable));
    if (shrinkable[widest]! < 0) break;
    widths[widest]! -= 1;
  }
  return widths;
}

// Tabs and newlines inside a value would break the row format scripts parse.
function plainCell(value: string): string {
  return value.replace(/[\t\r\n]+/g, ' ');
}
