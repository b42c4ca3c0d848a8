// User search answers the same on SQLite and PostgreSQL: the same generated people (ids
// and times fixed, so both databases hold identical rows), every search shape, and the
// pages a cursor walks through, compared item for item and cursor for cursor. The two
// databases are searched by different statements, so this is what keeps them in step.
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, UserSummary } from '../../src/contract/schemas.ts';
import type { Clock, TokenGenerator } from '../../src/platform/clock.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { generateEvents, generateUsers } from '../../src/platform/seed/generate.ts';
import { searchUsers, type UserSearch } from '../../src/platform/services/user-search.ts';
import { personRow } from '../helpers/people.ts';
import { postgresReachable, scratchDatabase, type ScratchDatabase } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/platform.ts';

const PEOPLE = 3_000;
const SAMPLE = 12;
const NOW = new Date('2026-06-01T09:00:00.000Z');
// More last names under one prefix than the search reads one by one ("qx" matches them all).
const MANY_LAST_NAMES = 80;

/** Ids and secrets from a counter, so two databases generated alike hold the same rows. */
function countingTokens(): TokenGenerator {
  let n = 0;
  const next = (length: number) => createHash('sha256').update(String(n++)).digest('base64url').replace(/[-_]/g, 'x').slice(0, length);
  return { secret: () => next(43), id: () => next(14) };
}

async function generated(database: string, env: NodeJS.ProcessEnv): Promise<Platform> {
  const clock: Clock = { now: () => NOW };
  const platform = await openPlatform({ database, publicUrl: 'http://127.0.0.1:4747', env, clock, tokens: countingTokens() });
  const { db } = platform.ctx;
  await seedDemo(db, platform.ctx);
  const events = await db.selectFrom('events').select('id').where('org_id', '=', DEMO_ORG_ID).orderBy('id').execute();
  const extra = await generateEvents(db, platform.ctx, DEMO_ORG_ID, 7);
  await generateUsers(db, platform.ctx, DEMO_ORG_ID, [...events.map((e) => e.id), ...extra], PEOPLE);
  const manyNames = Array.from({ length: MANY_LAST_NAMES }, (_, i) =>
    personRow({ id: `usr_many${String(i * 37 % MANY_LAST_NAMES).padStart(3, '0')}`, email: `noor.${i}@many.example`, first: i % 2 ? 'Noor' : 'Ines', last: `Qx${(i * 7919).toString(36)}`, created_at: NOW.toISOString(), updated_at: NOW.toISOString() }),
  );
  await db.insertInto('users').values(manyNames).execute();
  return platform;
}

/** The searches to compare: the benchmark's shapes for a sample of people, and broad ones. */
async function searches(platform: Platform): Promise<Omit<UserSearch, 'limit'>[]> {
  const { db } = platform.ctx;
  const events = await db.selectFrom('events').select(['id', 'slug']).where('org_id', '=', DEMO_ORG_ID).orderBy('starts_at').execute();
  const sample = await db.selectFrom('users').select(['id', 'email', 'first_name', 'last_name']).where('org_id', '=', DEMO_ORG_ID).orderBy('id').limit(SAMPLE).execute();
  const perPerson = sample.flatMap((u, i) => [
    { q: u.email },
    { q: u.id },
    { q: u.email.slice(0, 8) },
    { q: u.first_name },
    { q: `${u.first_name} ${u.last_name.slice(0, 2)}` },
    { q: u.last_name.slice(0, 4), status: 'registered' as const },
    { q: u.first_name.slice(0, 3), event: events[i % events.length]!.slug },
    { q: u.last_name.slice(0, 1), role: 'attendee' as const },
  ]);
  // Prefixes that reach the name rank past several last names (no first name, so no email, starts with them).
  const lastOnly = await db
    .selectFrom('users as u')
    .select(sql<string>`substr(u.last_name_lc, 1, 2)`.as('prefix'))
    .where('u.org_id', '=', DEMO_ORG_ID)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('users as f').select('f.id').where('f.org_id', '=', DEMO_ORG_ID).whereRef(sql`substr(f.first_name_lc, 1, 2)`, '=', sql`substr(u.last_name_lc, 1, 2)`))))
    .groupBy(sql`substr(u.last_name_lc, 1, 2)`)
    .having(sql`count(distinct u.last_name_lc)`, '>', 1)
    .orderBy('prefix')
    .limit(6)
    .execute();
  return [
    ...perPerson,
    ...lastOnly.flatMap(({ prefix }) => [{ q: prefix }, { q: prefix, status: 'registered' as const }]),
    { q: 'qx' },
    {},
    { event: events[0]!.id, status: 'invited' },
    ...['a', 'b', 'k', 'm', 's', 'z', 'ma', 'xyz'].map((q) => ({ q })),
  ];
}

/** Every page of a search, `limit` at a time, up to `pages` pages. */
async function walk(platform: Platform, search: Omit<UserSearch, 'limit'>, limit: number, pages: number): Promise<Page<UserSummary>[]> {
  const walked: Page<UserSummary>[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < pages; i++) {
    const page = await searchUsers(platform.ctx.db, DEMO_ORG_ID, { ...search, limit, cursor });
    walked.push(page);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return walked;
}

const postgres = await postgresReachable();

describe.runIf(postgres)('user search on SQLite and PostgreSQL', () => {
  const dir = tempDir();
  let sqlite: Platform;
  let pg: Platform;
  let scratch: ScratchDatabase;
  let asked: Omit<UserSearch, 'limit'>[];

  beforeAll(async () => {
    scratch = await scratchDatabase('t1_search_same');
    [sqlite, pg] = await Promise.all([
      generated(join(dir, 'search.db'), {}),
      generated(scratch.url, { T1_SECRET_KEY: 'ab'.repeat(32) }),
    ]);
    asked = await searches(sqlite);
  }, 120_000);

  afterAll(async () => {
    await sqlite?.close();
    await pg?.close();
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the same people on both', async () => {
    const people = (platform: Platform) => platform.ctx.db.selectFrom('users').select(['id', 'email', 'full_name_lc']).orderBy('id').execute();
    const [onSqlite, onPg] = await Promise.all([people(sqlite), people(pg)]);
    expect(onSqlite.length).toBeGreaterThan(PEOPLE);
    expect(onPg).toEqual(onSqlite);
  });

  it('answers every search shape with the same first page', async () => {
    let nonEmpty = 0;
    for (const search of asked) {
      const [onSqlite, onPg] = await Promise.all([walk(sqlite, search, 25, 1), walk(pg, search, 25, 1)]);
      expect(onPg, JSON.stringify(search)).toEqual(onSqlite);
      if (onSqlite[0]!.items.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(asked.length * 0.8);
  });

  it('walks the same pages through a cursor, across the ranks', async () => {
    let pages = 0;
    for (const search of asked.filter((_, i) => i % 3 === 0 || i >= SAMPLE * 8)) {
      const [onSqlite, onPg] = await Promise.all([walk(sqlite, search, 4, 6), walk(pg, search, 4, 6)]);
      expect(onPg, JSON.stringify(search)).toEqual(onSqlite);
      pages += onSqlite.length;
    }
    expect(pages).toBeGreaterThan(40);
  });

  it('covers the name rank past many last names, read one by one and as one range', async () => {
    const twoLetters = asked.filter((search) => search.q?.length === 2 && search.q !== 'qx' && search.q !== 'ma');
    expect(twoLetters.length).toBeGreaterThan(0);
    const [page] = await walk(pg, { q: 'qx' }, 25, 1);
    expect(new Set(page!.items.map((item) => item.lastName)).size).toBe(25);
  });

  it('gives each person their registrations in event order on both', async () => {
    const [onSqlite, onPg] = await Promise.all([walk(sqlite, { q: 'a' }, 50, 1), walk(pg, { q: 'a' }, 50, 1)]);
    expect(onSqlite[0]!.items.some((item) => item.registrations.length > 1)).toBe(true);
    expect(onPg).toEqual(onSqlite);
  });
});
