// The report of a bulk run: one CSV line per data row of the file, in the file's order:
// row (the line it starts on), email, outcome (invited, skipped, failed), the reason in
// words and as a code. Written as the run goes (csv-stringify), counted for the summary.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify, type Stringifier } from 'csv-stringify';
import { BULK_REASONS, type BulkOutcome } from '../../contract/schemas.ts';
import { terminalText } from '../../client/sanitize.ts';

export const REPORT_HEADER = ['row', 'email', 'outcome', 'reason', 'code'] as const;

export interface ReportEntry {
  row: number;
  email: string;
  outcome: BulkOutcome;
  /** A BULK_REASONS code (or another the platform sent), null when invited. */
  reason: string | null;
}

/** The words for a reason code; a code t1 does not know is shown as it is. */
export function reasonWords(code: string | null): string {
  if (code === null) return '';
  return (BULK_REASONS as Record<string, string>)[code] ?? code.replace(/_/g, ' ');
}

// The file's addresses come from outside, and the report is opened in a spreadsheet or
// printed on a terminal (--report -, or cat). Control, bidirectional and invisible
// characters are written as \uXXXX escapes, as t1 shows them anywhere else; a cell a
// spreadsheet would run as a formula (=, +, -, @, a tab or a line break first) gets a
// leading apostrophe.
export function safeCell(text: string): string {
  const shown = terminalText(text);
  return /^[=+\-@\t\r\n]/.test(text) ? `'${shown}` : shown;
}

export interface ReasonCount {
  outcome: BulkOutcome;
  code: string;
  reason: string;
  count: number;
}

export class Tally {
  rows = 0;
  invited = 0;
  skipped = 0;
  failed = 0;
  readonly #reasons = new Map<string, ReasonCount>();

  add(entry: ReportEntry): void {
    this.rows++;
    this[entry.outcome]++;
    if (entry.reason === null) return;
    const key = `${entry.outcome}:${entry.reason}`;
    const known = this.#reasons.get(key);
    if (known) known.count++;
    else this.#reasons.set(key, { outcome: entry.outcome, code: entry.reason, reason: reasonWords(entry.reason), count: 1 });
  }

  reasons(): ReasonCount[] {
    const order: BulkOutcome[] = ['failed', 'skipped', 'invited'];
    return [...this.#reasons.values()].sort((a, b) => order.indexOf(a.outcome) - order.indexOf(b.outcome) || b.count - a.count);
  }
}

export class ReportWriter {
  readonly tally = new Tally();
  readonly #stringifier: Stringifier;
  readonly #sink: Writable;
  readonly #ownsSink: boolean;

  private constructor(sink: Writable, ownsSink: boolean) {
    this.#sink = sink;
    this.#ownsSink = ownsSink;
    this.#stringifier = stringify({ header: true, columns: [...REPORT_HEADER] });
    this.#stringifier.pipe(sink, { end: ownsSink });
  }

  /** A report written to `path` (created or replaced), or to `stdout` for "-". */
  static open(path: string, stdout: Writable): ReportWriter {
    if (path === '-') return new ReportWriter(stdout, false);
    return new ReportWriter(createWriteStream(path), true);
  }

  async write(entry: ReportEntry): Promise<void> {
    this.tally.add(entry);
    const ok = this.#stringifier.write([entry.row, safeCell(entry.email), entry.outcome, safeCell(reasonWords(entry.reason)), safeCell(entry.reason ?? '')]);
    if (!ok) await once(this.#stringifier, 'drain');
  }

  async close(): Promise<void> {
    const finished = this.#ownsSink ? once(this.#sink, 'finish') : once(this.#stringifier, 'end');
    this.#stringifier.end();
    await finished;
  }
}
