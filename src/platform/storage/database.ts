// Opens the platform database: a SQLite file through node:sqlite by default, PostgreSQL
// when given a postgres:// URL. Migrations run before the handle is returned.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import { openSqlite, sqliteDialect } from './node-sqlite.ts';
import { migrate } from './migrations.ts';
import { postgresPools, type PostgresPools } from './postgres-pools.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export interface OpenDatabaseOptions {
  /** A file path (SQLite), ':memory:', or a postgres:// URL. */
  location: string;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

// Per PostgreSQL database handle, how it runs reads on its prepared pool (postgres-pools.ts).
const preparedPools = new WeakMap<Db, PostgresPools['prepared']>();

/**
 * Runs a read that repeats with other values. On PostgreSQL it runs as a prepared
 * statement with a plan made once (postgres-pools.ts), when `db` is the handle itself (a
 * transaction's statements stay on its connection); elsewhere as any other query.
 */
export async function preparedRead<R>(db: Db, query: CompiledQuery<R>): Promise<R[]> {
  const prepared = preparedPools.get(db);
  return prepared ? prepared(query) : (await db.executeQuery(query)).rows;
}

export async function openDatabase({ location }: OpenDatabaseOptions): Promise<Db> {
  let db: Db;
  if (isPostgresUrl(location)) {
    const { default: pg } = await import('pg');
    const pools = postgresPools(pg, location);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pools.main }) });
    preparedPools.set(db, pools.prepared);
  } else {
    if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
    db = new Kysely<Database>({ dialect: sqliteDialect(openSqlite(location)) });
  }
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
