// Inserts for bulk flows, written without Kysely's query builder (building and compiling a
// 1,000-row insert node by node costs more than the database takes to run it), in the
// form each database runs fastest:
// - SQLite: one single-row statement, prepared once and run for every row; SQLite is in
//   the process, so a row costs a call, and no long SQL text is built per batch. Rows
//   that fire a trigger (registrations, for the registrant counts) go in one statement
//   instead, as one JSON array that json_each() turns back into rows (the text stays the
//   same for any number of rows): each statement that fires a trigger keeps an undo
//   journal, a copy of every page it changes. For rows of many columns json_each costs
//   more than it saves, as every column reads its value out of the row's JSON again. In a
//   batch, a column with one value in every row is a literal in the statement, which then
//   serves that call only (see LITERALS_FROM_ROWS).
// - PostgreSQL: one statement for all the rows, each column one array parameter that
//   unnest() turns back into rows: one round trip, and a short statement for the server
//   to parse and plan. A multi-row VALUES list of 30,000 parameters cost the server twice
//   the CPU time, rows sent as JSON (json_populate_recordset) 40% more. A column with the
//   same value in every row (the organisation, the event, the time of a batch: half the
//   columns of a bulk flow) is one parameter, not an array of copies to build, send and
//   parse.
import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { Insertable } from 'kysely';
import type { SQLInputValue } from 'node:sqlite';
import type { Db } from './database.ts';
import { bulkStatements } from './node-sqlite.ts';
import type { Database } from './schema.ts';

export interface InsertRowsOptions {
  /** Skips rows that collide on these columns (a unique constraint) instead of failing. */
  onConflictDoNothing?: string[];
  /** Columns of the rows actually inserted. */
  returning?: string[];
}

function quote(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Not a column name: ${name}`);
  return `"${name}"`;
}

function pgType(table: string, column: string, value: unknown): string {
  if (typeof value === 'string') return 'text';
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return 'int8';
  if (typeof value === 'number') return 'float8';
  throw new Error(`insertRows cannot send a ${typeof value} (${table}.${column}).`);
}

/** The PostgreSQL array type for a column's values; null when every value is NULL. */
function arrayType(table: string, column: string, values: unknown[]): string | null {
  const types = new Set<string>();
  for (const value of values) if (value !== null) types.add(pgType(table, column, value));
  if (types.size <= 1) return types.values().next().value ?? null;
  if (types.size === 2 && types.has('int8') && types.has('float8')) return 'float8';
  throw new Error(`insertRows got values of several types in ${table}.${column}.`);
}

/** Inserts rows (all of one shape, in order) and returns the `returning` columns of those inserted. */
export async function insertRows<T extends keyof Database & string>(
  db: Db,
  table: T,
  rows: Insertable<Database[T]>[],
  options: InsertRowsOptions = {},
): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!);
  const returning = options.returning ?? [];
  if (returning.some((column) => !columns.includes(column))) throw new Error(`insertRows returns only columns it inserts, not ${returning.join(', ')}.`);
  const names = columns.map(quote).join(', ');
  const onConflict = options.onConflictDoNothing ? ` on conflict (${options.onConflictDoNothing.map(quote).join(', ')}) do nothing` : '';
  const records = rows as Record<string, unknown>[];
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // A column NULL in every row is a NULL literal, which takes the column's own type.
    const parameters: unknown[] = [];
    const sources: string[] = [];
    const sent: string[] = [];
    const arrays = columns.map((column) => records.map((record) => record[column] ?? null));
    // unnest() needs one array at least: the first column that is not NULL throughout stays one.
    const kept = arrays.findIndex((array) => array.some((value) => value !== null));
    const values = columns.map((column, i) => {
      const array = arrays[i]!;
      const type = arrayType(table, column, array);
      if (type === null) return 'null';
      if (i !== kept && array.every((value) => value === array[0])) {
        parameters.push(array[0]);
        return `$${parameters.length}::${type}`;
      }
      parameters.push(array);
      sources.push(`$${parameters.length}::${type}[]`);
      sent.push(quote(column));
      return quote(column);
    });
    const statement =
      `insert into ${quote(table)} (${names}) select ${values.join(', ')} from unnest(${sources.join(', ')}) as given (${sent.join(', ')})${onConflict}` +
      (returning.length > 0 ? ` returning ${returning.map(quote).join(', ')}` : '');
    const result = await db.executeQuery(CompiledQuery.raw(statement, parameters));
    return result.rows as Record<string, unknown>[];
  }
  const shared = sharedColumns(records, columns);
  const changes = await db.getExecutor().provideConnection(async (connection) => {
    const bulk = bulkStatements(connection);
    if (!bulk) throw new Error('insertRows runs on node:sqlite or PostgreSQL.');
    if (bulk.firesTriggers(table)) return insertInOneStatement(bulk, table, names, columns, shared, onConflict, records);
    // RETURNING costs SQLite more than the insert itself; a row it changed was inserted.
    const statement = `insert into ${quote(table)} (${names}) values (${shared.literals.map((literal) => literal ?? '?').join(', ')})${onConflict}`;
    return bulk.runEach(
      statement,
      records.map((record) => shared.bound.map((column) => (record[column] ?? null) as SQLInputValue)),
      { once: shared.once },
    );
  });
  if (returning.length === 0) return [];
  return records.filter((_, i) => changes[i]! > 0).map((record) => Object.fromEntries(returning.map((column) => [column, record[column]])));
}

/** Inserts the rows with one statement and says, as runEach does, which of them it inserted. */
function insertInOneStatement(
  bulk: NonNullable<ReturnType<typeof bulkStatements>>,
  table: string,
  names: string,
  columns: string[],
  shared: SharedColumns,
  onConflict: string,
  records: Record<string, unknown>[],
): number[] {
  const values = records.map((record) => shared.bound.map((column) => jsonValue(table, column, record[column])));
  let at = 0;
  const sources = shared.literals.map((literal) => literal ?? `value ->> ${at++}`).join(', ');
  // "where true" tells SQLite's parser that the ON CONFLICT belongs to the insert.
  const statement = `insert into ${quote(table)} (${names}) select ${sources} from json_each(?) where true${onConflict} returning ${quote(columns[0]!)}`;
  // RETURNING lists rows in no set order: each returned value is matched to the first
  // input row of that value not yet matched (of rows alike, the first went in).
  const left = new Map<unknown, number>();
  for (const row of bulk.runOnce(statement, [JSON.stringify(values)], records.length, { once: shared.once })) {
    const returned = row[columns[0]!];
    left.set(returned, (left.get(returned) ?? 0) + 1);
  }
  return records.map((record) => {
    const value = record[columns[0]!] ?? null;
    const count = left.get(value) ?? 0;
    if (count > 0) left.set(value, count - 1);
    return count > 0 ? 1 : 0;
  });
}

// From this many rows, a column with one value in every row is written into the statement
// as a literal instead of bound once per row: binding is most of what a row costs
// node:sqlite beyond the B-tree work, and in a bulk flow half the columns are the same
// for the whole batch (the organisation, the event, the batch's time, NULLs).
const LITERALS_FROM_ROWS = 50;

interface SharedColumns {
  /** Per column, the literal of the value every row has, or undefined when it is bound. */
  literals: (string | undefined)[];
  /** The columns bound per row, in order. */
  bound: string[];
  /** True when the statement's text holds values of this call (so serves it only). */
  once: boolean;
}

function sharedColumns(records: Record<string, unknown>[], columns: string[]): SharedColumns {
  const literals = columns.map((column) => (records.length >= LITERALS_FROM_ROWS ? sharedLiteral(records, column) : undefined));
  return { literals, bound: columns.filter((_, i) => literals[i] === undefined), once: literals.some((literal) => literal !== undefined) };
}

/** The SQL literal of the value every row has in the column (NULL or text), or undefined. */
function sharedLiteral(records: Record<string, unknown>[], column: string): string | undefined {
  const value = records[0]![column] ?? null;
  for (const record of records) if ((record[column] ?? null) !== value) return undefined;
  if (value === null) return 'null';
  // Quotes doubled is the whole of SQLite's escaping; a NUL would end the text early.
  // Numbers stay bound: node:sqlite binds them as REAL, which a literal would not be.
  if (typeof value === 'string' && !value.includes('\0')) return `'${value.replaceAll("'", "''")}'`;
  return undefined;
}

/** A value as json_each() hands it back to SQLite: text, a number or NULL. */
function jsonValue(table: string, column: string, value: unknown): string | number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw new Error(`insertRows cannot send a ${typeof value} (${table}.${column}).`);
}
