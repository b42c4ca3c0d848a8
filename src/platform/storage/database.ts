// Opens the platform database: a SQLite file through node:sqlite by default, PostgreSQL
// when given a postgres:// URL. Migrations run before the handle is returned.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import { openSqlite, sqliteDialect } from './node-sqlite.ts';
import { migrate } from './migrations.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export interface OpenDatabaseOptions {
  /** A file path (SQLite), ':memory:', or a postgres:// URL. */
  location: string;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

export async function openDatabase({ location }: OpenDatabaseOptions): Promise<Db> {
  let db: Db;
  if (isPostgresUrl(location)) {
    const { default: pg } = await import('pg');
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: location, max: 10 }) }),
    });
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
