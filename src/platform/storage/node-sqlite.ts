// Adapts node:sqlite (built into Node) to the database interface Kysely's SQLite dialect
// expects, so the embedded platform needs no native add-on.
import { closeSync, openSync } from 'node:fs';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import {
  CompiledQuery,
  SelectQueryNode,
  sql,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { AUTOCHECKPOINT_PAGES, BackgroundCheckpoints } from './sqlite-checkpoints.ts';

// Preparing a statement costs more than running it, and queries repeat a lot; the least
// recently used go first (lists of ids give many one-off shapes).
const STATEMENT_CACHE_SIZE = 200;

export function openSqlite(file: string): DatabaseSync {
  // It holds names, emails and password hashes: only the owner may read it (SQLite gives
  // its journal files the same mode).
  if (file !== ':memory:') closeSync(openSync(file, 'a', 0o600));
  const db = new DatabaseSync(file, { timeout: 5000 });
  // Only a new database takes it (an existing one keeps its page size). With pages four
  // times the default size, bulk writes touch far fewer of them: a batch of invitations
  // spends about a third less time in SQLite, much of it in commits and checkpoints.
  db.exec('PRAGMA page_size = 16384');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  // Copies the WAL back into the database every 4,000 pages (64 MB) rather than 1,000: a
  // page that bulk writes change again and again (the end of an index) is then copied
  // once for many transactions, and the copy's two fsyncs come four times less often.
  // Bulk writers hand the copying to a thread of its own (sqlite-checkpoints.ts).
  db.exec(`PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  db.exec('PRAGMA foreign_keys = ON');
  // A statement that fires a trigger (the registrant counts) or checks a foreign key keeps
  // a journal of its own to undo just itself; in a temporary file, that journal cost a
  // bulk insert of registrations three times the time of the rows themselves.
  db.exec('PRAGMA temp_store = MEMORY');
  // Refreshes the planner's statistics where they are stale; without them a filtered
  // search can walk the wrong index.
  db.exec('PRAGMA optimize = 0x10002');
  return db;
}

export interface BulkStatementOptions {
  /** The text serves one call only (values of the batch written into it): not cached. */
  once?: boolean;
}

interface Prepared {
  statement: StatementSync;
  /** True when the statement returns rows (a select, or anything with RETURNING). */
  reader: boolean;
}

// Rows inserted in bulk (see runEach) after which checkpoints move to their own thread.
const BULK_ROWS_BEFORE_CHECKPOINT_THREAD = 10_000;

/** The one connection to a node:sqlite database, with a cache of prepared statements. */
class NodeSqliteConnection implements DatabaseConnection {
  readonly #db: DatabaseSync;
  readonly #cache = new Map<string, Prepared>();
  /** Per table, whether an insert fires a trigger (the schema is migrated before any insert). */
  readonly #triggered = new Map<string, boolean>();
  /** Undefined for an in-memory database, which has no WAL. */
  readonly #checkpoints: BackgroundCheckpoints | undefined;
  #bulkRows = 0;

  constructor(db: DatabaseSync) {
    this.#db = db;
    const file = db.location();
    this.#checkpoints = file ? new BackgroundCheckpoints(db, file) : undefined;
  }

  #prepare(text: string): Prepared {
    let prepared = this.#cache.get(text);
    if (prepared) {
      this.#cache.delete(text);
    } else {
      prepared = this.#prepareUncached(text);
      if (this.#cache.size >= STATEMENT_CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string);
    }
    this.#cache.set(text, prepared);
    return prepared;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { statement, reader } = this.#prepare(query.sql);
    const parameters = query.parameters as SQLInputValue[];
    if (reader) return { rows: statement.all(...parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(...parameters);
    return { insertId: BigInt(lastInsertRowid), numAffectedRows: BigInt(changes), rows: [] };
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('Only select queries can be streamed.');
    for (const row of this.#prepare(query.sql).statement.iterate(...(query.parameters as SQLInputValue[]))) yield { rows: [row as R] };
  }

  /**
   * Runs one statement once per set of parameters (the rows of a bulk insert) and says
   * how many rows each run changed. Row by row beats one statement of a thousand rows on
   * SQLite: the statement is prepared once, and no long SQL text is built and looked up
   * per batch.
   */
  runEach(text: string, parameterSets: SQLInputValue[][], options: BulkStatementOptions = {}): number[] {
    this.#countBulk(parameterSets.length);
    const { statement } = this.#bulkStatement(text, options);
    return parameterSets.map((parameters) => Number(statement.run(...parameters).changes));
  }

  /** Runs one statement that writes many rows at once, and answers the rows it returns. */
  runOnce(text: string, parameters: SQLInputValue[], rows: number, options: BulkStatementOptions = {}): Record<string, unknown>[] {
    this.#countBulk(rows);
    const { statement, reader } = this.#bulkStatement(text, options);
    if (reader) return statement.all(...parameters);
    statement.run(...parameters);
    return [];
  }

  #bulkStatement(text: string, { once = false }: BulkStatementOptions): Prepared {
    if (!once) return this.#prepare(text);
    // A text made for one batch would only push reusable statements out of the cache.
    return this.#prepareUncached(text);
  }

  #prepareUncached(text: string): Prepared {
    const statement = this.#db.prepare(text);
    return { statement, reader: statement.columns().length > 0 };
  }

  /**
   * True when inserting into the table fires a trigger. Such a statement keeps an undo
   * journal of its own, a copy of every page it changes: row by row, that cost the
   * registrations of a bulk run (the registrant counts) three times their own time.
   */
  firesTriggers(table: string): boolean {
    let fires = this.#triggered.get(table);
    if (fires === undefined) {
      const triggers = this.#db.prepare(`select sql from sqlite_schema where type = 'trigger' and tbl_name = ?`).all(table) as { sql: string }[];
      fires = triggers.some((trigger) => /\b(before|after|instead\s+of)\s+insert\b/i.test(trigger.sql));
      this.#triggered.set(table, fires);
    }
    return fires;
  }

  /** Counts rows written in bulk: once there have been enough, checkpoints move to their own thread. */
  #countBulk(rows: number): void {
    this.#bulkRows += rows;
    if (this.#bulkRows >= BULK_ROWS_BEFORE_CHECKPOINT_THREAD) this.#checkpoints?.start();
  }

  committed(): void {
    this.#checkpoints?.afterCommit();
  }

  async close(): Promise<void> {
    await this.#checkpoints?.stop();
    this.#db.close();
  }
}

/** The connection's bulk statements when `connection` is a node:sqlite one, else undefined. */
export function bulkStatements(connection: DatabaseConnection): Pick<NodeSqliteConnection, 'runEach' | 'runOnce' | 'firesTriggers'> | undefined {
  return connection instanceof NodeSqliteConnection ? connection : undefined;
}

// Several processes may share one database file (the CLI's embedded platform and
// `t1 platform start`). A deferred transaction that reads before it writes can fail
// outright when another process wrote in between; an immediate one waits its turn.
// Kysely lets one query or transaction at a time have the connection.
class NodeSqliteDriver implements Driver {
  readonly #connection: NodeSqliteConnection;

  constructor(db: DatabaseSync) {
    this.#connection = new NodeSqliteConnection(db);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
    this.#connection.committed();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    await this.#connection.close();
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

class NodeSqliteDialect implements Dialect {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  createDriver(): Driver {
    return new NodeSqliteDriver(this.#db);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new MigratingSqliteAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

export function sqliteDialect(db: DatabaseSync): Dialect {
  return new NodeSqliteDialect(db);
}
