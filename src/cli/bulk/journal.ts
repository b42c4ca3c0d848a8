// The bulk run's journal: a small JSON-lines file under T1_HOME (data/bulk-runs/) that
// names the run (so --resume sends the same batches with the same idempotency keys) and
// keeps each finished batch's outcomes (so a resumed run's report still lists every row).
// The platform stays the source of truth: a batch it committed whose outcomes the journal
// missed (a crash between the two) is sent again with its key and answered as the first time.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { BULK_OUTCOMES, type BulkOutcome } from '../../contract/schemas.ts';

export interface JournalHeader {
  v: 1;
  run: string;
  fileHash: string;
  event: string;
  eventId: string;
  dryRun: boolean;
  batchSize: number;
  file: string;
  role?: string;
  reason?: string;
  ticket?: string;
  batches: number;
  startedAt: string;
}

/** One row's outcome as the journal keeps it: [row, outcome index, reason code or null]. */
export type JournalRow = [number, number, string | null];

export interface JournalBatch {
  b: number;
  r: JournalRow[];
}

export function outcomeIndex(outcome: BulkOutcome): number {
  return BULK_OUTCOMES.indexOf(outcome);
}

export function outcomeAt(index: number): BulkOutcome {
  return BULK_OUTCOMES[index] ?? 'failed';
}

export function journalPath(dataDir: string, key: string): string {
  return join(dataDir, 'bulk-runs', `${key}.jsonl`);
}

export class JournalWriter {
  readonly #fd: number;
  #position: number;

  private constructor(fd: number, position: number) {
    this.#fd = fd;
    this.#position = position;
  }

  /** A new journal (replacing any earlier one for this file and event). */
  static create(path: string, header: JournalHeader): JournalWriter {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    const fd = openSync(path, 'w', 0o600);
    const line = `${JSON.stringify(header)}\n`;
    writeSync(fd, line, 0);
    return new JournalWriter(fd, Buffer.byteLength(line));
  }

  /** Appends to a journal after its valid part (`validBytes`), dropping a torn last line. */
  static append(path: string, validBytes: number): JournalWriter {
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, validBytes);
    return new JournalWriter(fd, validBytes);
  }

  batch(entry: JournalBatch): void {
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    let written = 0;
    while (written < line.length) written += writeSync(this.#fd, line, written, line.length - written, this.#position + written);
    this.#position += line.length;
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/** The header of a journal, or undefined when there is none (or it is unreadable). */
export function readJournalHeader(path: string): JournalHeader | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, n).toString('utf8');
    const end = text.indexOf('\n');
    if (end < 0) return undefined;
    const header = JSON.parse(text.slice(0, end)) as JournalHeader;
    return header.v === 1 && typeof header.run === 'string' ? header : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Reads a journal's finished batches in order; stops at the first torn or out-of-order line. */
export async function* readJournalBatches(path: string): AsyncGenerator<JournalBatch & { endByte: number }> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let bytes = 0;
  let first = true;
  let expected = 0;
  try {
    for await (const line of lines) {
      const lineBytes = Buffer.byteLength(line) + 1;
      if (first) {
        first = false;
        bytes += lineBytes;
        continue;
      }
      let entry: JournalBatch;
      try {
        entry = JSON.parse(line) as JournalBatch;
      } catch {
        return;
      }
      if (entry.b !== expected || !Array.isArray(entry.r)) return;
      expected++;
      bytes += lineBytes;
      yield { ...entry, endByte: bytes };
    }
  } finally {
    lines.close();
  }
}

/** How many batches the journal holds and where its valid part ends. */
export async function scanJournal(path: string): Promise<{ batches: number; validBytes: number }> {
  const header = readJournalHeader(path);
  let batches = 0;
  let validBytes = Buffer.byteLength(`${JSON.stringify(header)}\n`);
  for await (const entry of readJournalBatches(path)) {
    batches = entry.b + 1;
    validBytes = entry.endByte;
  }
  return { batches, validBytes };
}
