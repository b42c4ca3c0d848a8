// Adapts node:sqlite (built into Node) to the database interface Kysely's SQLite dialect
// expects, so the embedded platform needs no native add-on.
import { closeSync, openSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { CompiledQuery, sql, SqliteAdapter, SqliteDialect, SqliteDriver, type DatabaseConnection, type DialectAdapter, type Driver, type Kysely } from 'kysely';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

// Re-preparing a statement costs more than running it; queries repeat a lot.
const STATEMENT_CACHE_SIZE = 200;

export function openSqlite(file: string): DatabaseSync {
  // It holds names, emails and password hashes: only the owner may read it (SQLite gives
  // its journal files the same mode).
  if (file !== ':memory:') closeSync(openSync(file, 'a', 0o600));
  const db = new DatabaseSync(file, { timeout: 5000 });
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  // Refreshes the planner's statistics where they are stale; without them a filtered
  // search can walk the wrong index.
  db.exec('PRAGMA optimize = 0x10002');
  return db;
}

// Several processes may share one database file (the CLI's embedded platform and
// `t1 platform start`). A deferred transaction that reads before it writes can fail
// outright when another process wrote in between; an immediate one waits its turn.
class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

// SQLite runs DDL inside transactions, so migrations run in one; taking the lock row
// first makes a second process wait and then find the migrations done.
class MigratingSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  override async acquireMigrationLock(db: Kysely<any>): Promise<void> {
    await sql`update kysely_migration_lock set is_locked = 1 where id = 'migration_lock'`.execute(db);
  }
}

class NodeSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    super({ database });
    this.#database = database;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver({ database: this.#database });
  }

  override createAdapter(): DialectAdapter {
    return new MigratingSqliteAdapter();
  }
}

export function sqliteDialect(db: DatabaseSync): SqliteDialect {
  const cache = new Map<string, StatementSync>();
  const prepare = (sql: string): StatementSync => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(sql, statement);
    }
    return statement;
  };
  const adapter: SqliteDatabase = {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const statement = prepare(sql);
      type Params = Parameters<StatementSync['all']>;
      return {
        reader: statement.columns().length > 0,
        all: (parameters) => statement.all(...(parameters as Params)),
        run: (parameters) => statement.run(...(parameters as Params)),
        iterate: (parameters) => statement.iterate(...(parameters as Params)),
      };
    },
  };
  return new NodeSqliteDialect(adapter);
}
