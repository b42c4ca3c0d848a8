// What scripts get instead of the text for people: --json (the whole view, or some fields
// of each row or of the record, as gh does), --jq (a jq filter over that JSON) and --csv
// (a list, one line per row). A command that lists or shows records names its fields, so
// a field list or an expression is checked before the command does anything.
import { createRequire } from 'node:module';
import { EXIT } from '../exit-codes.ts';
import { CliError, usageError } from '../errors.ts';

/** What a command offers to --json <fields>, --jq and --csv. */
export interface ViewData<View> {
  /** Every field of a row (for a list) or of the record. */
  fields: readonly string[];
  /** The rows of a list command; absent when the view is one record. */
  rows?: (view: View) => readonly object[];
}

export interface DataChoice {
  json: boolean;
  fields?: string[] | undefined;
  jq?: string | undefined;
  csv?: boolean | undefined;
}

const FIELD = /^[A-Za-z][\w-]*$/;

/** Refuses a choice the command cannot print, before it runs. */
export function checkChoice(choice: DataChoice, data: ViewData<never> | undefined): void {
  if (choice.csv && choice.json) throw usageError('--csv and --json (or --jq) both print on stdout; choose one.');
  if (choice.csv && !data?.rows) throw usageError('--csv prints lists, and this command does not list anything.', 'Use --json, or --jq to pick values from it.');
  if (!choice.fields) return;
  const flag = choice.csv ? '--csv' : '--json';
  if (!data) throw usageError(`This command has no field list for ${flag}.`, 'Use --json for all of its JSON, or --jq to pick values from it.');
  const malformed = choice.fields.filter((field) => !FIELD.test(field));
  if (malformed.length > 0) {
    throw usageError(`${flag} takes field names separated by commas, such as ${data.fields.slice(0, 2).join(',')}.`, `The fields: ${data.fields.join(', ')}.`);
  }
  const unknown = choice.fields.filter((field) => !data.fields.includes(field));
  if (unknown.length > 0) {
    const names = unknown.map((field) => `"${field}"`).join(', ');
    throw usageError(`${flag} names ${unknown.length === 1 ? 'an unknown field' : 'unknown fields'}: ${names}.`, `The fields: ${data.fields.join(', ')}.`);
  }
}

function pick(record: object, fields: readonly string[]): Record<string, unknown> {
  const values = record as Record<string, unknown>;
  return Object.fromEntries(fields.map((field) => [field, values[field] ?? null]));
}

/** The JSON a field list or --jq sees: the rows of a list, or the record, with only the chosen fields. */
export function selectData<View>(view: View, data: ViewData<View> | undefined, fields: readonly string[] | undefined): unknown {
  if (!data) return view;
  if (data.rows) {
    const rows = data.rows(view);
    return fields ? rows.map((row) => pick(row, fields)) : rows;
  }
  return fields ? pick(view as object, fields) : view;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A list as CSV: a header line, then a line per row; nested values as JSON text. */
export async function csvText<View>(view: View, data: ViewData<View>, fields: readonly string[] | undefined): Promise<string> {
  const [{ stringify }, { safeCell }] = await Promise.all([import('csv-stringify/sync'), import('../bulk/report.ts')]);
  const columns = fields ?? data.fields;
  const rows = (data.rows?.(view) ?? []).map((row) => columns.map((field) => safeCell(cell((row as Record<string, unknown>)[field]))));
  return stringify(rows, { header: true, columns: [...columns] });
}

/**
 * jq itself, compiled to WebAssembly. Required when used, from node_modules: its loader
 * is CommonJS that needs __dirname, which a bundled ES module does not have.
 */
function jq(): typeof import('jq-wasm') {
  return createRequire(import.meta.url)('jq-wasm') as typeof import('jq-wasm');
}

/** jq's messages start with "jq: error: "; the agent knows it is jq. */
function jqMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^jq: error(?: \([^)]*\))?: /, '').trim();
}

/** Refuses an expression jq cannot read, before the command runs. */
export async function checkJq(expression: string): Promise<void> {
  try {
    await jq().raw('null', expression, ['-r']);
  } catch (error) {
    // A runtime error on null says nothing about the real input: only compile errors count.
    if (/compile error/.test(String(error instanceof Error ? error.message : error))) {
      throw usageError(`--jq cannot read the expression: ${jqMessage(error)}`, 'For example: --jq \'.[].email\'');
    }
  }
}

/** The values the expression yields, strings as they are (like jq -r), others as JSON. */
export async function jqText(input: unknown, expression: string): Promise<string> {
  try {
    return await jq().raw(JSON.stringify(input), expression, ['-r']);
  } catch (error) {
    throw new CliError(`--jq failed on the JSON: ${jqMessage(error)}`, EXIT.usage, 'See the JSON it reads with --json (with the same fields).');
  }
}
