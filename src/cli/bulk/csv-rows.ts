// Reading a bulk-invitation CSV: the byte-level checks that decide whether the file is
// usable at all (binary, invalid UTF-8, a line over 1 MB), the dialect (comma, semicolon
// or tab, found from the header line; a UTF-8 BOM; quoted fields with newlines), the
// header matched loosely to t1's fields (or by --map), and a stream of data records with
// the line each starts on. Nothing here holds the file: records stream through.
import { createHash, type Hash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { createReadStream, createWriteStream, openSync, readSync, closeSync } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { CliError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';

/** A physical line longer than this makes the file unusable. */
export const MAX_LINE_BYTES = 1024 * 1024;

export const BULK_FIELDS = ['email', 'firstName', 'lastName', 'company', 'jobTitle', 'country', 'role'] as const;
export type BulkField = (typeof BULK_FIELDS)[number];

/** How each field is written in --map and in messages. */
export const FIELD_FLAG_NAMES: Record<BulkField, string> = {
  email: 'email',
  firstName: 'first-name',
  lastName: 'last-name',
  company: 'company',
  jobTitle: 'job-title',
  country: 'country',
  role: 'role',
};

/** The file cannot be used: exit 2, and nothing has been sent. */
export class UnusableFileError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.usage, hint);
  }
}

/** Lower case, letters and digits only: "E-mail address" -> "emailaddress". */
export function normalizeHeader(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

// Header names as spreadsheets and CRMs export them, normalised.
const ALIASES: Record<BulkField, string[]> = {
  email: ['email', 'emailaddress', 'mail', 'mailaddress', 'emails', 'workemail', 'businessemail', 'emailid', 'primaryemail', 'courriel'],
  firstName: ['firstname', 'first', 'givenname', 'forename', 'fname', 'firstnames', 'given', 'prenom', 'vorname'],
  lastName: ['lastname', 'last', 'surname', 'familyname', 'lname', 'secondname', 'nom', 'nachname'],
  company: ['company', 'companyname', 'organisation', 'organization', 'org', 'organisationname', 'organizationname', 'employer', 'firm', 'business'],
  jobTitle: ['jobtitle', 'title', 'job', 'position', 'jobposition', 'designation', 'occupation'],
  country: ['country', 'countryname', 'countrycode', 'countryregion', 'nation', 'land'],
  role: ['role', 'eventrole', 'attendeerole', 'participantrole', 'invitationrole'],
};

// Looser: a header containing one of these (each field at most once, only when no exact alias matched).
const CONTAINS: Record<BulkField, string[]> = {
  email: ['email'],
  firstName: ['firstname', 'givenname', 'forename'],
  lastName: ['lastname', 'surname', 'familyname'],
  company: ['company', 'organisation', 'organization'],
  jobTitle: ['jobtitle'],
  country: ['country'],
  role: ['eventrole'],
};

/** "first_name", "First name", "firstName" -> firstName; undefined when it names no field. */
export function fieldNamed(text: string): BulkField | undefined {
  const key = normalizeHeader(text);
  for (const field of BULK_FIELDS) if (normalizeHeader(field) === key || ALIASES[field].includes(key)) return field;
  return undefined;
}

export interface ColumnMap {
  /** Column index per field; absent when the file has no such column. */
  index: Partial<Record<BulkField, number>>;
  headers: string[];
}

/** Parses the --map values ("Work mail=email"). */
export function parseMapFlags(values: string[]): { column: string; field: BulkField }[] {
  return values.map((value) => {
    const at = value.lastIndexOf('=');
    const column = at > 0 ? value.slice(0, at).trim() : '';
    const fieldText = at > 0 ? value.slice(at + 1).trim() : '';
    if (!column || !fieldText) {
      throw new CliError(`--map "${value}" is not column=field.`, EXIT.usage, 'Example: --map "Work mail=email" --map "Given=first-name".');
    }
    const field = fieldNamed(fieldText);
    if (!field) {
      throw new CliError(`--map "${value}": "${fieldText}" is not a field.`, EXIT.usage, `Fields: ${BULK_FIELDS.map((f) => FIELD_FLAG_NAMES[f]).join(', ')}.`);
    }
    return { column, field };
  });
}

/** Matches the header row to fields: --map first, then exact aliases, then "contains". */
export function mapColumns(headers: string[], maps: { column: string; field: BulkField }[], fileLabel: string): ColumnMap {
  const index: Partial<Record<BulkField, number>> = {};
  const taken = new Set<number>();
  const shown = () => headers.map((h) => `"${h}"`).join(', ');
  for (const { column, field } of maps) {
    let at = headers.findIndex((h) => h.trim() === column);
    if (at < 0) at = headers.findIndex((h) => h.trim().toLowerCase() === column.toLowerCase());
    if (at < 0) at = headers.findIndex((h) => normalizeHeader(h) === normalizeHeader(column) && normalizeHeader(column) !== '');
    if (at < 0) throw new CliError(`--map "${column}=${FIELD_FLAG_NAMES[field]}": ${fileLabel} has no column "${column}".`, EXIT.usage, `Its columns: ${shown()}.`);
    index[field] = at;
    taken.add(at);
  }
  headers.forEach((header, at) => {
    if (taken.has(at)) return;
    const key = normalizeHeader(header);
    for (const field of BULK_FIELDS) {
      if (index[field] === undefined && ALIASES[field].includes(key)) {
        index[field] = at;
        taken.add(at);
        return;
      }
    }
  });
  for (const field of BULK_FIELDS) {
    if (index[field] !== undefined) continue;
    const candidates = headers
      .map((header, at) => ({ key: normalizeHeader(header), at }))
      .filter(({ key, at }) => !taken.has(at) && CONTAINS[field].some((word) => key.includes(word)));
    if (candidates.length === 1) {
      index[field] = candidates[0]!.at;
      taken.add(candidates[0]!.at);
    }
  }
  const missing = (['email', 'firstName', 'lastName'] as const).filter((field) => index[field] === undefined);
  if (missing.length > 0) {
    const names = missing.map((field) => (field === 'email' ? 'email' : field === 'firstName' ? 'first name' : 'last name'));
    const example = missing.map((field) => `--map "<column>=${FIELD_FLAG_NAMES[field]}"`).join(' ');
    const looksLikeData = headers.some((h) => h.includes('@'));
    throw new UnusableFileError(
      `${fileLabel} has no ${names.join(', no ')} column (its first line: ${shown()}).`,
      looksLikeData
        ? 'The first line looks like data: add a header line such as "email,first_name,last_name".'
        : `Name the columns in the first line (email, first_name, last_name), or tell t1 which is which: ${example}.`,
    );
  }
  return { index, headers };
}

// ---- The first line: dialect ------------------------------------------------------------

export type Delimiter = ',' | ';' | '\t';

export interface FileHead {
  delimiter: Delimiter;
  /** The file starts with a UTF-8 byte order mark. */
  bom: boolean;
  size: number;
}

/** Counts each candidate delimiter outside quotes on the header line; the most frequent wins (comma on a tie). */
export function detectDelimiter(line: string): Delimiter {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  let best: Delimiter = ',';
  for (const candidate of [';', '\t'] as const) if (counts[candidate] > counts[best]) best = candidate;
  return best;
}

const MAGIC: { bytes: number[]; what: string; hint: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'an Excel workbook or a zip archive', hint: 'In Excel, use File > Save As > "CSV UTF-8 (comma delimited)".' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old Excel (.xls) workbook', hint: 'In Excel, use File > Save As > "CSV UTF-8 (comma delimited)".' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF', hint: 'Export the list as CSV from the program that made it.' },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive', hint: 'Unpack it first (gunzip).' },
  { bytes: [0xff, 0xfe], what: 'UTF-16 text', hint: 'Save it as UTF-8 (in Excel: "CSV UTF-8").' },
  { bytes: [0xfe, 0xff], what: 'UTF-16 text', hint: 'Save it as UTF-8 (in Excel: "CSV UTF-8").' },
];

const SAVE_AS_UTF8 = 'Save it as CSV in UTF-8 (in Excel: File > Save As > "CSV UTF-8").';

function binaryCheck(first: Buffer, label: string): void {
  for (const magic of MAGIC) {
    if (magic.bytes.every((byte, i) => first[i] === byte)) throw new UnusableFileError(`${label} is not a CSV file: it looks like ${magic.what}.`, magic.hint);
  }
}

/** Reads the first line (at most 1 MB) to find the delimiter; checks the file is not empty or binary. */
export function readHead(path: string, label: string): FileHead {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_LINE_BYTES + 4);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, length);
      if (n === 0) break;
      length += n;
      if (buffer.subarray(0, length).includes(10)) break;
    }
    const bytes = buffer.subarray(0, length);
    binaryCheck(bytes, label);
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    const body = bom ? bytes.subarray(3) : bytes;
    if (body.toString('utf8').trim() === '') throw new UnusableFileError(`${label} is empty.`, 'Give a CSV file with a header line (email, first_name, last_name) and one person per line.');
    let end = body.indexOf(10);
    if (end < 0) end = body.length;
    if (end > MAX_LINE_BYTES) throw new UnusableFileError(`${label}: line 1 is longer than 1 MB.`, 'Is it really a CSV file? Each line should hold one person.');
    const line = body.subarray(0, end).toString('utf8');
    return { delimiter: detectDelimiter(line), bom, size: 0 };
  } finally {
    closeSync(fd);
  }
}

// ---- Byte checks while streaming --------------------------------------------------------

/** Bytes at the end of `chunk` that start a character not finished in it (0 to 3). */
function unfinishedTail(chunk: Buffer): number {
  for (let back = 1; back <= Math.min(4, chunk.length); back++) {
    const byte = chunk[chunk.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const needs = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needs > back ? back : 0;
  }
  return 0;
}

/**
 * Checks the bytes as they stream (NUL bytes, invalid UTF-8, lines over 1 MB) and hashes
 * them (the run is named after the file's content), passing the bytes on unchanged.
 * Allocates next to nothing per chunk, so memory stays flat however long the file.
 */
export class ByteChecker extends Transform {
  readonly #label: string;
  readonly #hash: Hash = createHash('sha256');
  #line = 1;
  #lineBytes = 0;
  /** The start of a character the previous chunk did not finish. */
  #carry: Buffer = Buffer.alloc(0);
  #first = true;
  bytes = 0;
  digest: string | undefined;

  constructor(label: string) {
    super();
    this.#label = label;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.#check(chunk);
      done(null, chunk);
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.#carry.length > 0) {
      done(new UnusableFileError(`${this.#label}: line ${this.#line} is not valid UTF-8 (the file ends inside a character).`, SAVE_AS_UTF8));
      return;
    }
    this.digest = this.#hash.digest('hex');
    done();
  }

  #check(chunk: Buffer): void {
    if (this.#first) {
      binaryCheck(chunk, this.#label);
      this.#first = false;
    }
    this.bytes += chunk.length;
    this.#hash.update(chunk);
    const nul = chunk.indexOf(0);
    const lineAtStart = this.#line;
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(10, pos);
      const end = nl === -1 ? chunk.length : nl;
      if (nul !== -1 && nul >= pos && nul < end) {
        throw new UnusableFileError(`${this.#label} is not a text file: line ${this.#line} holds a NUL byte (binary data).`, 'Give a CSV file saved as text (UTF-8).');
      }
      this.#lineBytes += end - pos;
      if (this.#lineBytes > MAX_LINE_BYTES) {
        throw new UnusableFileError(`${this.#label}: line ${this.#line} is longer than 1 MB.`, 'Each line should hold one person; is a quote left open, or is it not a CSV file?');
      }
      if (nl === -1) break;
      this.#line++;
      this.#lineBytes = 0;
      pos = nl + 1;
    }
    const whole = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : chunk;
    const tail = unfinishedTail(whole);
    const complete = tail > 0 ? whole.subarray(0, whole.length - tail) : whole;
    if (!isUtf8(complete)) {
      throw new UnusableFileError(`${this.#label}: line ${lineAtStart + this.#badLineOffset(complete) } is not valid UTF-8.`, SAVE_AS_UTF8);
    }
    this.#carry = tail > 0 ? Buffer.from(whole.subarray(whole.length - tail)) : EMPTY;
  }

  /** Newlines before the first invalid byte (found by bisecting prefixes at character starts). */
  #badLineOffset(bytes: Buffer): number {
    let lo = 0;
    let hi = bytes.length;
    // The longest valid prefix: isUtf8 of a prefix cut inside a character is false, so
    // cut prefixes back to their last whole character before asking.
    const valid = (n: number) => {
      const prefix = bytes.subarray(0, n);
      return isUtf8(prefix.subarray(0, prefix.length - unfinishedTail(prefix)));
    };
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (valid(mid)) lo = mid;
      else hi = mid - 1;
    }
    let lines = 0;
    for (let i = 0; i < lo; i++) if (bytes[i] === 10) lines++;
    // The carried bytes (if any) belong to the line the chunk starts on: no newline among them.
    return lines;
  }
}

const EMPTY = Buffer.alloc(0);

// ---- Records ----------------------------------------------------------------------------

export interface CsvRecord {
  /** The line the record starts on (1 is the header line). */
  line: number;
  fields: string[];
}

function csvProblem(error: unknown, label: string): Error {
  if (error instanceof CliError) return error;
  const e = error as { code?: string; lines?: number; message?: string };
  const line = e.lines ?? 0;
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new UnusableFileError(`${label}: a quote is opened and never closed (the file ends inside a quoted field, line ${line}).`, 'Close the quote, or remove the stray " character.');
    case 'CSV_MAX_RECORD_SIZE':
      return new UnusableFileError(`${label}: the record ending at line ${line} is longer than 1 MB.`, 'Is a quote left open?');
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_INVALID_OPENING_QUOTE':
      return new UnusableFileError(`${label}: line ${line} has a misplaced quote.`, 'A field with quotes must be quoted as a whole, with inner quotes doubled ("").');
    default:
      if (e.code?.startsWith('CSV_')) return new UnusableFileError(`${label}: line ${line} is not valid CSV (${e.message}).`);
      return error instanceof Error ? error : new Error(String(error));
  }
}

export interface ReadOptions {
  path: string;
  label: string;
  head: FileHead;
  /** Receives the header row; returns false to stop. */
  onHeader(headers: string[]): void;
}

/**
 * Streams the data records of the file (after the header), each with the line it starts
 * on, as many at a time as the parser has ready (about a read's worth): waiting once per
 * record cost a tenth of a pass over a large file. Records whose fields are all empty
 * (blank lines, ";;;" lines) are left out. Throws UnusableFileError for a file t1 cannot
 * use. `checker.digest` is the file's SHA-256 once the stream has ended.
 */
export async function* readRecords(options: ReadOptions, checker: ByteChecker = new ByteChecker(options.label)): AsyncGenerator<CsvRecord[]> {
  const parser = parse({
    delimiter: options.head.delimiter,
    bom: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_LINE_BYTES,
    info: true,
  });
  const source = createReadStream(options.path, { highWaterMark: 64 * 1024 });
  // The first error of the chain (a byte check, the parser) is the one to report.
  let failure: unknown;
  const flowing = pipeline(source, checker, parser).catch((error: unknown) => {
    failure ??= error;
  });
  let previousEnd = 0;
  let previousEmpty = 0;
  let header = true;
  try {
    for (;;) {
      const records: CsvRecord[] = [];
      let item: { record: string[]; info: { lines: number; empty_lines: number } } | null;
      while ((item = parser.read() as typeof item) !== null) {
        const { record, info } = item;
        const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
        previousEnd = info.lines;
        previousEmpty = info.empty_lines;
        if (header) {
          header = false;
          options.onHeader(record);
          continue;
        }
        if (record.every((field) => field.trim() === '')) continue;
        records.push({ line, fields: record });
      }
      if (records.length > 0) yield records;
      else if (parser.readableEnded || parser.destroyed) break;
      else await nextRecords(parser);
    }
    await flowing;
    if (failure) throw failure;
  } catch (error) {
    // Thrown by the header check in this loop: the stream's abort that follows is no news.
    if (error instanceof CliError && failure === undefined) throw error;
    await flowing;
    throw csvProblem(failure ?? error, options.label);
  } finally {
    source.destroy();
    parser.destroy();
  }
}

/** Resolves once the parser has records to read, has ended, or has failed. */
function nextRecords(parser: Readable): Promise<void> {
  const events = ['readable', 'end', 'close', 'error'] as const;
  return new Promise((resolve) => {
    const settle = () => {
      for (const event of events) parser.off(event, settle);
      resolve();
    };
    for (const event of events) parser.on(event, settle);
  });
}

/** Copies standard input to a file (streaming), so it can be read twice like any file. */
export async function spoolToFile(input: Readable, path: string): Promise<void> {
  await pipeline(input, createWriteStream(path, { mode: 0o600 }));
}
