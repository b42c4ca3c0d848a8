// What t1 checks of each row before the platform sees it (the platform's address rule,
// names present, lengths, control characters, role, the same address earlier in the
// file), and how rows
// are cut into batches. Both are deterministic functions of the file, so the checking
// pass, the sending pass and a resumed run cut the same batches.
import type { BulkReason, BulkRow } from '../../contract/schemas.ts';
import { EVENT_ROLES } from '../../contract/vocabulary.ts';
import { checkEmailAddress } from '../../contract/email-address.ts';
import { isPlainText } from '../../contract/plain-text.ts';
import type { ColumnMap, CsvRecord } from './csv-rows.ts';

/** Longest name, company, job title or country the platform keeps. */
export const MAX_FIELD_LENGTH = 200;

export type Checked =
  | { kind: 'send'; row: BulkRow }
  | { kind: 'reject'; row: number; email: string; outcome: 'failed' | 'skipped'; reason: BulkReason };

/**
 * A set of 64-bit hashes in two typed arrays (open addressing): about 16 bytes per
 * address at most, so a million addresses cost ~32 MB at worst, not a million strings.
 */
export class HashSet64 {
  #lo: Uint32Array;
  #hi: Uint32Array;
  #size = 0;
  #mask: number;

  constructor(capacity = 1 << 14) {
    this.#lo = new Uint32Array(capacity);
    this.#hi = new Uint32Array(capacity);
    this.#mask = capacity - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Adds the key; false when it was there already. */
  add(lo: number, hi: number): boolean {
    if (lo === 0 && hi === 0) lo = 1; // 0/0 marks an empty slot
    let at = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.#mask;
    for (;;) {
      const slotLo = this.#lo[at]!;
      const slotHi = this.#hi[at]!;
      if (slotLo === 0 && slotHi === 0) break;
      if (slotLo === lo >>> 0 && slotHi === hi >>> 0) return false;
      at = (at + 1) & this.#mask;
    }
    this.#lo[at] = lo;
    this.#hi[at] = hi;
    this.#size++;
    if (this.#size * 2 > this.#lo.length) this.#grow();
    return true;
  }

  #grow(): void {
    const oldLo = this.#lo;
    const oldHi = this.#hi;
    this.#lo = new Uint32Array(oldLo.length * 2);
    this.#hi = new Uint32Array(oldHi.length * 2);
    this.#mask = this.#lo.length - 1;
    this.#size = 0;
    for (let i = 0; i < oldLo.length; i++) if (oldLo[i] !== 0 || oldHi[i] !== 0) this.add(oldLo[i]!, oldHi[i]!);
  }
}

/**
 * Two 32-bit hashes of a string (murmur3-style mixing, different seeds): a 64-bit key
 * computed without allocating, so hashing a million addresses leaves no garbage.
 */
export function hash64(text: string): [number, number] {
  let a = 0x9747b28c;
  let b = 0x85ebca6b;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0xcc9e2d51);
    a = (a << 15) | (a >>> 17);
    b = Math.imul(b ^ c, 0x1b873593);
    b = (b << 13) | (b >>> 19);
    b = Math.imul(b, 5) + 0xe6546b64;
  }
  a ^= text.length;
  b ^= text.length;
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  b = Math.imul(b ^ (b >>> 16), 0x7feb352d);
  b = Math.imul(b ^ (b >>> 15), 0x846ca68b);
  b ^= b >>> 16;
  return [a >>> 0, b >>> 0];
}

/** One bit per data row: which rows repeat an earlier address (1 MB per 8 million rows). */
export class RowMarks {
  #bits = new Uint8Array(1 << 12);

  set(index: number): void {
    if (index >> 3 >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(this.#bits.length * 2, (index >> 3) + 1));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    this.#bits[index >> 3]! |= 1 << (index & 7);
  }

  has(index: number): boolean {
    return index >> 3 < this.#bits.length && (this.#bits[index >> 3]! & (1 << (index & 7))) !== 0;
  }
}

/**
 * Checks rows in file order. The first pass finds repeated addresses with a set of
 * hashes and marks those rows; a later pass over the same file is given the marks and
 * needs no set (so the set's memory is gone while batches are sent).
 */
export class RowChecker {
  readonly #map: ColumnMap;
  readonly #seen: HashSet64 | undefined;
  readonly marks: RowMarks;
  #index = 0;

  constructor(map: ColumnMap, marks?: RowMarks) {
    this.#map = map;
    this.marks = marks ?? new RowMarks();
    this.#seen = marks ? undefined : new HashSet64();
  }

  #repeats(index: number, email: string): boolean {
    if (!this.#seen) return this.marks.has(index);
    const [lo, hi] = hash64(email);
    if (this.#seen.add(lo, hi)) return false;
    this.marks.set(index);
    return true;
  }

  #field(fields: string[], name: keyof ColumnMap['index']): string {
    return this.#raw(fields, name).trim();
  }

  #raw(fields: string[], name: keyof ColumnMap['index']): string {
    const at = this.#map.index[name];
    return at === undefined ? '' : (fields[at] ?? '');
  }

  check(record: CsvRecord): Checked {
    const index = this.#index++;
    // The address as typed. The rule trims only spaces: a tab or BOM around it is refused,
    // and the report of a refused row shows it (as an escape) instead of hiding it.
    const typed = this.#raw(record.fields, 'email');
    const email = typed.replace(/^ +| +$/g, '');
    const firstName = this.#field(record.fields, 'firstName');
    const lastName = this.#field(record.fields, 'lastName');
    const company = this.#field(record.fields, 'company');
    const jobTitle = this.#field(record.fields, 'jobTitle');
    const country = this.#field(record.fields, 'country');
    const role = this.#field(record.fields, 'role').toLowerCase();
    const reject = (reason: BulkReason, outcome: 'failed' | 'skipped' = 'failed'): Checked => ({ kind: 'reject', row: record.line, email, outcome, reason });
    const texts = [firstName, lastName, company, jobTitle, country, role];
    const address = checkEmailAddress(typed);
    if (!address.ok) return reject(address.problem === 'too_long' ? 'field_too_long' : 'invalid_email');
    if (texts.some((value) => !isPlainText(value))) return reject('field_not_allowed');
    if (texts.some((value) => value.length > MAX_FIELD_LENGTH)) return reject('field_too_long');
    if (!firstName || !lastName) return reject('missing_name');
    if (role && !(EVENT_ROLES as readonly string[]).includes(role)) return reject('bad_role');
    if (this.#repeats(index, address.email)) return reject('duplicate_in_file', 'skipped');
    const row: BulkRow = { row: record.line, email: address.email, firstName, lastName };
    if (company) row.company = company;
    if (jobTitle) row.jobTitle = jobTitle;
    if (country) row.country = country;
    if (role) row.role = role;
    return { kind: 'send', row };
  }
}

export type Planned =
  | { kind: 'reject'; item: Extract<Checked, { kind: 'reject' }> }
  | { kind: 'batch'; index: number; rows: BulkRow[]; items: Checked[] };

/**
 * Cuts checked rows into batches of `size` rows to send. Rows t1 refused on its own
 * come out at once when no batch is open, else with the batch they fall inside (so the
 * report keeps the file's order); a batch also closes when it spans 2 x size lines of
 * the file, which bounds what waits in memory.
 */
export class Batcher {
  readonly size: number;
  #index = 0;
  #rows: BulkRow[] = [];
  #items: Checked[] = [];

  constructor(size: number) {
    this.size = size;
  }

  get batches(): number {
    return this.#index;
  }

  push(item: Checked): Planned | undefined {
    if (item.kind === 'reject' && this.#rows.length === 0) return { kind: 'reject', item };
    this.#items.push(item);
    if (item.kind === 'send') this.#rows.push(item.row);
    if (this.#rows.length >= this.size || this.#items.length >= 2 * this.size) return this.#close();
    return undefined;
  }

  end(): Planned | undefined {
    return this.#rows.length > 0 ? this.#close() : undefined;
  }

  #close(): Planned {
    const batch: Planned = { kind: 'batch', index: this.#index++, rows: this.#rows, items: this.#items };
    this.#rows = [];
    this.#items = [];
    return batch;
  }
}
