// The database a platform command works on: --db, else the embedded one under T1_HOME.
import { resolve } from 'node:path';
import type { Deps } from '../../cli/deps.ts';
import { embeddedDatabase } from '../../platform/embedded.ts';
import { isPostgresUrl } from '../../platform/storage/database.ts';

export function platformDatabase(db: string | undefined, deps: Deps): { location: string; embedded: boolean } {
  if (!db) return { location: embeddedDatabase(deps.paths.dataDir), embedded: true };
  return { location: isPostgresUrl(db) ? db : resolve(db), embedded: false };
}

/** Where the database is, for messages: a PostgreSQL URL loses its password. */
export function describeDatabase(location: string): string {
  if (!isPostgresUrl(location)) return location;
  const url = new URL(location);
  if (url.password) url.password = '***';
  return url.toString();
}
