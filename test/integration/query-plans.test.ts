// Every read an agent makes at scale answers from an index: user search (each query
// shape), a person's timeline and mail log, and the events list with registrant counts.
// The services run against a generated organisation and every statement they send is
// recorded as compiled (Kysely's query log), then explained by the database itself:
// EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL (for the values sent, and the
// generic plan a prepared statement keeps). No plan may read users,
// registrations, activity or emails from end to end.
//
// The data is small, so the planners are told what production would know:
// - SQLite plans from its statistics (sqlite_stat1), which the platform refreshes at
//   open (PRAGMA optimize) and the generator after a bulk load (ANALYZE); with stats of
//   generated people, it weighs the indexes as it would at a million.
// - PostgreSQL prefers reading a table of a few thousand rows whole, however good the
//   index; at a million it does not. enable_seqscan = off asks it for its best plan
//   with an index, and a statement no index can serve still shows a Seq Scan: the test
//   proves that an index path exists and is the one taken.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CompiledQuery, Kysely, PostgresDialect, sql, type Dialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeline } from '../../src/platform/activity/timeline.ts';
import { emailLog } from '../../src/platform/mail/outbox.ts';
import { openPlatform } from '../../src/platform/platform.ts';
import { DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { generateEvents, generateUsers } from '../../src/platform/seed/generate.ts';
import { listEvents } from '../../src/platform/services/events.ts';
import { searchUsers, type UserSearch } from '../../src/platform/services/user-search.ts';
import { openSqlite, sqliteDialect } from '../../src/platform/storage/node-sqlite.ts';
import type { Database } from '../../src/platform/storage/schema.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/platform.ts';

const PEOPLE = 5_000;
const BIG_TABLES = ['users', 'registrations', 'activity', 'emails'];

interface Recorded {
  db: Kysely<Database>;
  statements: CompiledQuery[];
}

/** A second handle on the database whose statements are recorded as they run. */
function recording(dialect: Dialect): Recorded {
  const statements: CompiledQuery[] = [];
  const db = new Kysely<Database>({
    dialect,
    log: (event) => {
      if (event.level === 'query') statements.push(event.query);
    },
  });
  return { db, statements };
}

interface Person {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
}

/** Each read to prove, run through its service; returns what it sent. */
async function reads(recorded: Recorded, person: Person, longHistory: Person, eventSlug: string): Promise<[string, CompiledQuery[]][]> {
  const { db, statements } = recorded;
  const run = async (name: string, read: () => Promise<unknown>): Promise<[string, CompiledQuery[]]> => {
    statements.length = 0;
    await read();
    return [name, [...statements]];
  };
  const search = (query: Omit<UserSearch, 'limit'>) => () => searchUsers(db, DEMO_ORG_ID, { limit: 25, ...query });
  const since = { order: 'newest' as const, limit: 25 };
  return [
    await run('search: exact email', search({ q: person.email })),
    await run('search: email prefix', search({ q: person.email.slice(0, 8) })),
    await run('search: first name', search({ q: person.first_name })),
    await run('search: first + last prefix', search({ q: `${person.first_name} ${person.last_name.slice(0, 2)}` })),
    await run('search: last prefix, status', search({ q: person.last_name.slice(0, 4), status: 'registered' })),
    await run('search: first prefix, event', search({ q: person.first_name.slice(0, 3), event: eventSlug })),
    await run('timeline', () => timeline(db, { orgId: DEMO_ORG_ID, userId: longHistory.id, email: longHistory.email }, since)),
    await run('mail log', () => emailLog(db, { userId: longHistory.id, limit: 25 })),
    await run('events list with counts', () => listEvents(db, DEMO_ORG_ID, new Date(), { limit: 25 })),
  ];
}

async function samplePeople(db: Kysely<Database>): Promise<{ person: Person; longHistory: Person; eventSlug: string }> {
  // The last-prefix shape searches names only when the email statement leaves room on the
  // page, so the person is one whose last-name prefix begins few addresses.
  const candidates = await db
    .selectFrom('users')
    .select(['id', 'email', 'first_name', 'last_name'])
    .where('org_id', '=', DEMO_ORG_ID)
    .where('email', 'like', '%@domain%')
    .where(sql<number>`length(last_name)`, '>=', 4)
    .orderBy('id')
    .limit(50)
    .execute();
  let person: Person | undefined;
  for (const candidate of candidates) {
    const prefix = candidate.last_name.slice(0, 4).toLowerCase();
    const { n } = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', DEMO_ORG_ID).where('email', 'like', `${prefix}%`).executeTakeFirstOrThrow();
    if (Number(n) < 10) {
      person = candidate;
      break;
    }
  }
  if (!person) throw new Error('No sample person whose last-name prefix begins few addresses.');
  const busiest = await db.selectFrom('activity').select('user_id').where('user_id', 'is not', null).groupBy('user_id').orderBy(sql`count(*)`, 'desc').limit(1).executeTakeFirstOrThrow();
  const longHistory = await db.selectFrom('users').select(['id', 'email', 'first_name', 'last_name']).where('id', '=', busiest.user_id!).executeTakeFirstOrThrow();
  const event = await db.selectFrom('events').select('slug').where('org_id', '=', DEMO_ORG_ID).orderBy('starts_at').executeTakeFirstOrThrow();
  return { person, longHistory, eventSlug: event.slug };
}

async function generate(database: string, env: NodeJS.ProcessEnv): Promise<void> {
  const platform = await openPlatform({ database, publicUrl: 'http://127.0.0.1:4747', env });
  try {
    const { db } = platform.ctx;
    await seedDemo(db, platform.ctx);
    const events = await db.selectFrom('events').select('id').execute();
    const extra = await generateEvents(db, platform.ctx, DEMO_ORG_ID, 7);
    await generateUsers(db, platform.ctx, DEMO_ORG_ID, [...events.map((e) => e.id), ...extra], PEOPLE);
  } finally {
    await platform.close();
  }
}

describe('query plans on SQLite', () => {
  const dir = tempDir();
  const database = join(dir, 'plans.db');
  let recorded: Recorded;
  let plans: [string, { sql: string; plan: string[] }[]][];

  beforeAll(async () => {
    await generate(database, {});
    recorded = recording(sqliteDialect(openSqlite(database)));
    const { person, longHistory, eventSlug } = await samplePeople(recorded.db);
    const sent = await reads(recorded, person, longHistory, eventSlug);
    plans = [];
    for (const [name, statements] of sent) {
      const explained = [];
      for (const statement of statements) {
        const { rows } = await recorded.db.executeQuery(CompiledQuery.raw(`explain query plan ${statement.sql}`, [...statement.parameters]));
        explained.push({ sql: statement.sql, plan: rows.map((row) => String((row as { detail: string }).detail)) });
      }
      plans.push([name, explained]);
    }
  });

  afterAll(async () => {
    await recorded?.db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has statistics for the planner, as the generator and PRAGMA optimize leave them', async () => {
    const { rows } = await sql<{ tbl: string }>`select distinct tbl from sqlite_stat1`.execute(recorded.db);
    expect(rows.map((row) => row.tbl)).toEqual(expect.arrayContaining(BIG_TABLES));
  });

  it('reads every big table of every shape through an index, never a full scan', () => {
    expect(plans.map(([name]) => name)).toHaveLength(9);
    for (const [name, statements] of plans) {
      expect(statements.length, name).toBeGreaterThan(0);
      for (const { sql: text, plan } of statements) {
        // "SCAN t" reads t whole (with or without an index); "SEARCH t USING ..." a range.
        const fullScans = plan.filter((line) => /^SCAN /.test(line) && !/^SCAN (CONSTANT ROW|last_names|few_names|one_name|events)\b/.test(line));
        expect(fullScans, `${name}: ${text}\n${plan.join('\n')}`).toEqual([]);
        const touched = BIG_TABLES.filter((table) => new RegExp(`\\b(from|join) "?${table}"?( as "?(\\w+)"?)?`, 'i').test(text));
        for (const table of touched) {
          expect(plan.some((line) => /^SEARCH /.test(line)), `${name} reads ${table} without an index: ${plan.join(' | ')}`).toBe(true);
        }
      }
    }
  });

  it('reads each last name under a prefix in full-name order, with no sort of the matches', () => {
    const [, statements] = plans.find(([name]) => name === 'search: last prefix, status')!;
    const perName = statements.filter(({ sql: text }) => text.includes('"users"."last_name_lc" = ?'));
    expect(perName.length).toBeGreaterThan(0);
    for (const { plan } of perName) {
      expect(plan).toContainEqual(expect.stringMatching(/^SEARCH users USING INDEX users_org_last_name \(org_id=\? AND last_name_lc=\?\)/));
      expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('counts registrants from the maintained counters, not from the registrations', () => {
    const [, statements] = plans.find(([name]) => name === 'events list with counts')!;
    expect(statements.some(({ sql: text }) => text.includes('event_registrant_counts'))).toBe(true);
    expect(statements.some(({ sql: text }) => /from "registrations"/.test(text))).toBe(false);
  });
});

const postgres = await postgresReachable();

describe.runIf(postgres)('query plans on PostgreSQL', () => {
  let scratch: ScratchDatabase;
  let recorded: Recorded;
  let pool: pg.Pool;
  let plans: [string, { sql: string; plan: string[] }[]][];

  beforeAll(async () => {
    scratch = await scratchDatabase('t1_plans');
    await generate(scratch.url, { T1_SECRET_KEY: randomBytes(32).toString('hex') });
    // One connection, so the setting below holds for every statement explained.
    pool = new pg.Pool({ connectionString: scratch.url, max: 1 });
    recorded = recording(new PostgresDialect({ pool }));
    const { person, longHistory, eventSlug } = await samplePeople(recorded.db);
    const sent = await reads(recorded, person, longHistory, eventSlug);
    await sql`set enable_seqscan = off`.execute(recorded.db);
    const planOf = async (text: string, parameters: readonly unknown[] = []) =>
      (await recorded.db.executeQuery(CompiledQuery.raw(text, [...parameters]))).rows.map((row) => String((row as { 'QUERY PLAN': string })['QUERY PLAN']));
    // Each statement's plan for its values, and its generic plan: the platform runs its
    // searches and token lookups as prepared statements with one such plan each
    // (postgres-pools.ts).
    plans = [];
    let prepared = 0;
    for (const [name, statements] of sent) {
      const explained = [];
      for (const statement of statements) {
        explained.push({ sql: statement.sql, plan: await planOf(`explain ${statement.sql}`, statement.parameters) });
        const handle = `plan_${++prepared}`;
        await planOf(`prepare ${handle} as ${statement.sql}`);
        const values = statement.parameters.map((value) => (value === null ? 'null' : typeof value === 'number' ? String(value) : `'${String(value).replace(/'/g, "''")}'`));
        await sql`set plan_cache_mode = force_generic_plan`.execute(recorded.db);
        explained.push({ sql: statement.sql, plan: await planOf(`explain execute ${handle}${values.length > 0 ? `(${values.join(', ')})` : ''}`) });
        await sql`reset plan_cache_mode`.execute(recorded.db);
      }
      plans.push([name, explained]);
    }
  }, 120_000);

  afterAll(async () => {
    await recorded?.db.destroy();
    await scratch?.drop();
  });

  it('reads every big table of every shape through an index, never a sequential scan', () => {
    expect(plans.map(([name]) => name)).toHaveLength(9);
    for (const [name, statements] of plans) {
      expect(statements.length, name).toBeGreaterThan(0);
      for (const { sql: text, plan } of statements) {
        const seqScans = plan.filter((line) => new RegExp(`Seq Scan on (${BIG_TABLES.join('|')})\\b`).test(line));
        expect(seqScans, `${name}: ${text}\n${plan.join('\n')}`).toEqual([]);
      }
    }
  });

  // A search is one statement here, which sorts only the few rows its ranks return; the
  // index range behind each rank's limit must come in index order, unsorted. An email
  // prefix is answered from the index alone, never visiting the table.
  it('reads email prefixes and each last name in index order, with no sort of the matches', () => {
    const ranges: [string, RegExp, RegExp][] = [
      ['search: email prefix', /Index Only Scan using users_org_email /, /Index Cond: .*\(email > /],
      ['search: last prefix, status', /Index Scan using users_org_last_name /, /Index Cond: .*\(last_name_lc = few_names\.name\)/],
    ];
    for (const [shape, scan, condition] of ranges) {
      const [, statements] = plans.find(([name]) => name === shape)!;
      // Each scan with its plan lines up to the nearest Limit above it.
      const read = statements.flatMap(({ plan }) =>
        plan.flatMap((line, i) => {
          if (!condition.test(line)) return [];
          const limit = plan.findLastIndex((above, j) => j < i - 1 && /^\s*(->\s+)?Limit\b/.test(above));
          return [{ scan: plan[i - 1] ?? '', between: plan.slice(limit + 1, i - 1), limited: limit >= 0 }];
        }),
      );
      expect(read.length, `${shape}\n${statements.map(({ plan }) => plan.join('\n')).join('\n\n')}`).toBeGreaterThan(0);
      for (const { scan: line, between, limited } of read) {
        expect(line, shape).toMatch(scan);
        expect(limited, shape).toBe(true);
        expect(between.filter((node) => /\bSort\b/.test(node)), shape).toEqual([]);
      }
    }
  });
});
