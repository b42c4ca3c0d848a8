// The platform's connections to PostgreSQL: a pool for everything, and a small one for
// the reads every request or search makes (the token lookup, user search), run there as
// prepared statements with one generic plan each. PostgreSQL plans an unprepared
// statement at every run, and at a million people planning a search took longer than
// running it (up to 3.7 ms against well under 1 ms). These statements read index ranges
// whatever the values, so one plan serves them all. Left to itself, PostgreSQL plans a
// prepared statement for its values five times, then keeps a generic plan only if its
// estimated cost looks no worse, which these do not pass: the small pool's connections
// take the generic plan at once. The main pool keeps the default, a plan made for the
// values of each run: there the setting would give every statement a generic plan.
import { createHash } from 'node:crypto';
import type { CompiledQuery, PostgresPool } from 'kysely';
import type pg from 'pg';

const MAIN_CONNECTIONS = 10;
const PREPARED_CONNECTIONS = 4;

export interface PostgresPools {
  /** For Kysely's PostgreSQL dialect; ending it ends both pools. */
  main: PostgresPool;
  /** Runs a read on the prepared pool, as a prepared statement named after its text. */
  prepared<R>(query: CompiledQuery<R>): Promise<R[]>;
}

export function postgresPools(driver: typeof pg, connectionString: string): PostgresPools {
  const pool = new driver.Pool({ connectionString, max: MAIN_CONNECTIONS });
  const reads = new driver.Pool({ connectionString, max: PREPARED_CONNECTIONS, options: '-c plan_cache_mode=force_generic_plan' });
  // An idle connection the server closed (a restart, a failover, an administrator) leaves
  // its pool, and the next query opens a new one; unheard, the event would end the process.
  for (const each of [pool, reads]) each.on('error', () => {});
  return {
    main: {
      Client: driver.Client,
      options: pool.options,
      connect: () => pool.connect(),
      async end() {
        await Promise.all([pool.end(), reads.end()]);
      },
    },
    async prepared<R>(query: CompiledQuery<R>): Promise<R[]> {
      const name = `t1_${createHash('sha256').update(query.sql).digest('hex').slice(0, 32)}`;
      const result = await reads.query({ name, text: query.sql, values: [...query.parameters] });
      return result.rows as R[];
    },
  };
}
