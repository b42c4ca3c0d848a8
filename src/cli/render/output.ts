// How results reach the agent: a table or aligned record on a terminal, tab-separated
// rows for pipes, JSON with --json (--jq, --csv: see data.ts). Notices and hints go to
// stderr so stdout stays data. Every write goes through one gate, which shows control,
// bidirectional and invisible characters as escapes (sanitize.ts): text from the platform,
// a file or a pasted argument can colour nothing, move nothing and hide nothing.
import { textWidth } from './text-width.ts';
import type { IO, OutputSettings } from '../io.ts';
import { jsonText, terminalText } from '../../client/sanitize.ts';
import { checkChoice, checkJq, csvText, jqText, selectData, type ViewData } from './data.ts';
import { Styler, type Style } from './style.ts';
import { layoutTable, wrapText, type Column } from './table.ts';

export type { Column } from './table.ts';

/** What printing a command's result needs of the command: its renderer and its fields. */
export interface Printable<View> {
  render(view: View, output: Output): void | Promise<void>;
  data?: ViewData<View>;
}

export class Output {
  readonly io: IO;
  readonly settings: OutputSettings;
  readonly style: Style;
  readonly #styler: Styler;

  constructor(io: IO, settings: OutputSettings) {
    this.io = io;
    this.settings = settings;
    this.#styler = new Styler(settings.color);
    this.style = this.#styler.style;
  }

  get tty(): boolean {
    return this.io.stdoutIsTTY;
  }

  /** The one gate to stdout and stderr. */
  #write(stream: NodeJS.WritableStream, text: string): void {
    stream.write(this.#styler.finish(text));
  }

  line(text = ''): void {
    this.#write(this.io.stdout, `${text}\n`);
  }

  /** A block of text that ends its own lines. */
  text(text: string): void {
    this.#write(this.io.stdout, text);
  }

  json(value: unknown): void {
    this.#write(this.io.stdout, `${jsonText(value)}\n`);
  }

  /** A notice for the human at the terminal; never part of the data on stdout. */
  notice(text: string): void {
    this.#write(this.io.stderr, `${text}\n`);
  }

  hint(text: string): void {
    this.#write(this.io.stderr, `${this.style.dim(text)}\n`);
  }

  /**
   * How the command's result is printed: its renderer, or the JSON, jq values or CSV the
   * global flags ask for. Checked before the command runs, so a field it does not have or
   * an expression jq cannot read is a usage error before anything happens.
   */
  async printer<View>(command: Printable<View>): Promise<(view: View) => Promise<void>> {
    const { data } = command;
    checkChoice(this.settings, data);
    const { fields, jq } = this.settings;
    if (this.settings.csv && data) return async (view) => this.text(await csvText(view, data, fields));
    if (jq !== undefined) {
      await checkJq(jq);
      return async (view) => {
        const values = await jqText(selectData(view, data, fields), jq);
        if (values !== '') this.line(values);
      };
    }
    if (fields) return async (view) => this.json(selectData(view, data, fields));
    if (this.settings.json) return async (view) => this.json(view);
    return async (view) => {
      await command.render(view, this);
    };
  }

  /**
   * Rows under a header: a table that fits the terminal (see table.ts for how columns
   * wrap and which go), or tab-separated lines off a terminal, headed with --header.
   * Cells are plain text.
   */
  async table(columns: readonly (string | Column)[], rows: readonly (readonly string[])[]): Promise<void> {
    const declared = columns.map((column) => (typeof column === 'string' ? { header: column } : column));
    if (!this.tty) {
      if (this.settings.header) this.line(declared.map((column) => plainCell(column.header)).join('\t'));
      for (const row of rows) this.line(row.map(plainCell).join('\t'));
      return;
    }
    const headers = declared.map((column) => tableCell(column.header));
    const cells = rows.map((row) => declared.map((_, i) => tableCell(row[i] ?? '')));
    const layout = layoutTable(declared, [headers, ...cells], this.io.stdoutColumns ?? this.io.stdout.columns ?? 0);
    const wrapped = (text: string, k: number) => wrapText(text, layout.widths[k]!);
    const { default: Table } = await import('cli-table3');
    const table = new Table({
      head: layout.shown.map((i, k) => this.#styler.finish(wrapped(headers[i]!, k).map((line) => this.style.bold(line)).join('\n'))),
      style: { head: [], border: [] },
      colWidths: layout.widths.map((width) => width + 2),
      wordWrap: false,
    });
    table.push(...cells.map((row) => layout.shown.map((i, k) => wrapped(row[i]!, k).join('\n'))));
    // Every cell is already safe; the header's bold is t1's own.
    this.io.stdout.write(`${table.toString()}\n`);
    const dropped = declared.filter((_, i) => !layout.shown.includes(i)).map((column) => column.header);
    if (dropped.length > 0) this.hint(`Not shown for lack of width: ${dropped.join(', ')}. A wider terminal or --json shows everything.`);
  }

  /** Label/value pairs: aligned on a terminal, "key<TAB>value" lines otherwise. */
  record(pairs: [string, string][]): void {
    if (!this.tty) {
      for (const [key, value] of pairs) this.line(`${key}\t${plainCell(value)}`);
      return;
    }
    const width = Math.max(...pairs.map(([key]) => textWidth(key)));
    for (const [key, value] of pairs) {
      // A value's further lines are indented under it, so a line break in stored text cannot pass for a label.
      const [first, ...more] = value.split('\n');
      const label = this.style.bold(key + ' '.repeat(width - textWidth(key)));
      this.line([`${label}  ${first}`, ...more.map((line) => `${' '.repeat(width + 2)}${line}`)].join('\n'));
    }
  }

  heading(text: string): void {
    this.line(this.tty ? this.style.bold(text) : text);
  }
}

// Tabs and newlines inside a value would break the row format scripts parse.
function plainCell(value: string): string {
  return value.replace(/[\t\r\n]+/g, ' ');
}

// A table cell as it is measured and drawn: escaped, tabs as spaces.
function tableCell(value: string): string {
  return terminalText(value).replace(/\t/g, ' ');
}
