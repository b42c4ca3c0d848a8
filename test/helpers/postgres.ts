// Scratch PostgreSQL databases on the local server (trust auth) for the tests and
// benchmarks that run on PostgreSQL too: created fresh, dropped afterwards, and skipped
// when no server answers.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_ADMIN_URL = process.env.T1_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True when a server answers at `adminUrl` within two seconds. */
export async function postgresReachable(adminUrl = POSTGRES_ADMIN_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs one statement (create or drop database) as the admin connection. */
export async function adminQuery(statement: string, adminUrl = POSTGRES_ADMIN_URL): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  /** The connection URL of the new database. */
  url: string;
  drop(): Promise<void>;
}

/** A new empty database named `<prefix>_<random>` on the admin URL's server. */
export async function scratchDatabase(prefix = 't1_test', adminUrl = POSTGRES_ADMIN_URL): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database ${name}`, adminUrl);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`drop database if exists ${name}`, adminUrl) };
}
