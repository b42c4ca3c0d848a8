// Multi-row inserts for bulk flows, written as one statement per chunk without Kysely's
// query builder: building and compiling a 1,000-row insert node by node costs more than
// SQLite takes to run it. The same SQL on both dialects, placeholders aside.
import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { Insertable } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';

// SQLite binds at most 32,766 parameters per statement (PostgreSQL 65,535).
const MAX_PARAMETERS = 30_000;

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

/** Inserts rows (all of one shape) in as few statements as the parameter limit allows. */
export async function insertRows<T extends keyof Database & string>(
  db: Db,
  table: T,
  rows: Insertable<Database[T]>[],
  options: InsertRowsOptions = {},
): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!);
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const head = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values `;
  const tail =
    (options.onConflictDoNothing ? ` on conflict (${options.onConflictDoNothing.map(quote).join(', ')}) do nothing` : '') +
    (options.returning ? ` returning ${options.returning.map(quote).join(', ')}` : '');
  const out: Record<string, unknown>[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const parameters: unknown[] = [];
    const tuples: string[] = [];
    for (const row of chunk) {
      const record = row as Record<string, unknown>;
      const marks: string[] = [];
      for (const column of columns) {
        parameters.push(record[column] ?? null);
        marks.push(postgres ? `$${parameters.length}` : '?');
      }
      tuples.push(`(${marks.join(', ')})`);
    }
    const result = await db.executeQuery(CompiledQuery.raw(head + tuples.join(', ') + tail, parameters));
    out.push(...(result.rows as Record<string, unknown>[]));
  }
  return out;
}
