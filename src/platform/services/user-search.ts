// Finds people: one query string matched against email (exact first, then prefix) and
// first, last and full name prefixes, case-insensitive, with keyset pagination.
import { PostgresAdapter, sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type { Page, UserSummary } from '../../contract/schemas.ts';
import type { EventRole, RegistrationStage, RegistrationStatus } from '../../contract/vocabulary.ts';
import { preparedRead, type Db } from '../storage/database.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { fullName } from './views.ts';
import { findEventRow } from './events.ts';

export interface UserSearch {
  q?: string;
  event?: string;
  status?: RegistrationStatus;
  role?: EventRole;
  limit: number;
  cursor?: string;
}

// Ranks order the results: exact email or id, then email prefix, then name prefix.
// Within a rank, email ranks sort by email and the name rank by full name; each rank is
// read in index order with a limit, so a one-letter query costs no more than a full name.
const RANK_EXACT = 0;
const RANK_EMAIL_PREFIX = 1;
const RANK_NAME = 2;

// Sorts after every character a name or email realistically holds, closing a prefix range.
const RANGE_END = '\uffff';

const cursorSchema = z.tuple([z.number().int().min(RANK_EXACT).max(RANK_NAME), z.string().max(1000), z.string().max(100)]);
type Cursor = z.infer<typeof cursorSchema>;

const COLUMNS = ['users.id', 'users.email', 'users.first_name', 'users.last_name', 'users.full_name_lc', 'users.company'] as const;

interface Found {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  full_name_lc: string;
  company: string | null;
  rank: number;
  /** Read along with the person on PostgreSQL. */
  registrations?: UserSummary['registrations'];
}

/** Lower-cased forms the search indexes are built on; kept next to the search that uses them. */
export function searchColumns(firstName: string, lastName: string) {
  const first = firstName.trim().toLowerCase();
  const last = lastName.trim().toLowerCase();
  return { first_name_lc: first, last_name_lc: last, full_name_lc: `${first} ${last}`.trim() };
}

interface Filters {
  orgId: string;
  /** The event as the agent named it (id or slug). */
  event?: string;
  status?: RegistrationStatus;
  role?: EventRole;
}

/**
 * The event's id as a subquery (matched as findEventRow matches it), so the search needs
 * no round trip to look the event up first; findEventRow runs after it only when the page
 * is empty, for the 404.
 */
function eventIdOf(db: Db, orgId: string, ref: string) {
  return db
    .selectFrom('events')
    .select('events.id')
    .where('events.org_id', '=', orgId)
    .where((eb) => eb.or([eb('events.id', '=', ref), eb('events.slug', '=', ref.toLowerCase())]))
    .limit(1);
}

/**
 * The organisation's people, narrowed to those with a registration matching the filters.
 * `asSubPlan` (PostgreSQL) keeps the registration check a per-row subplan: pulled up into
 * a semi-join, it makes the planner weigh join orders in every branch of a statement,
 * which costs more than running the statement; the per-row index probe is the same.
 */
function people(db: Db, filters: Filters, asSubPlan = false) {
  const query = db.selectFrom('users').select(COLUMNS).where('users.org_id', '=', filters.orgId);
  if (!filters.event && !filters.status && !filters.role) return query;
  return query.where(({ exists, selectFrom }) =>
    exists(
      selectFrom('registrations as r')
        .select(sql.lit(1).as('one'))
        .whereRef('r.user_id', '=', 'users.id')
        .$if(filters.event !== undefined, (w) => w.where('r.event_id', '=', eventIdOf(db, filters.orgId, filters.event!)))
        .$if(filters.status !== undefined, (w) => w.where('r.status', '=', filters.status!))
        .$if(filters.role !== undefined, (w) => w.where('r.role', '=', filters.role!))
        .$if(asSubPlan, (w) => w.offset(0)),
    ),
  );
}

type SortColumn = 'users.email' | 'users.full_name_lc';
type PeopleQuery = ReturnType<typeof people>;

/** One rank's query in sort order, after the cursor when it points into this rank. */
function inOrder(query: PeopleQuery, rank: number, sortBy: SortColumn, after: Cursor | undefined, limit: number) {
  return (
    query
      .$if(after !== undefined && after[0] === rank, (w) => w.where(sql<boolean>`(${sql.ref(sortBy)}, users.id) > (${after![1]}, ${after![2]})`))
      .orderBy(sortBy)
      // An email is unique in its organisation, so it orders alone, and the planner reads
      // the (org_id, email) index in order instead of sorting every prefix match.
      .$if(sortBy !== 'users.email', (w) => w.orderBy('users.id'))
      .limit(limit)
  );
}

async function ranked(query: PeopleQuery, rank: number, sortBy: SortColumn, after: Cursor | undefined, limit: number): Promise<Found[]> {
  const rows = await inOrder(query, rank, sortBy, after, limit).execute();
  return rows.map((row) => ({ ...row, rank }));
}

// Beyond this many last names under one prefix, the prefix is read as one range.
const MAX_LAST_NAMES = 64;

/**
 * The distinct last names that start with `q`, each found with one index probe from the
 * one before (a skip scan), however many people share them.
 */
async function lastNamesStartingWith(db: Db, orgId: string, q: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`${lastNamesUnder(orgId, q)} select name from few_names`.execute(db);
  return rows.map((row) => row.name);
}

/** `few_names`: the last names under the prefix, up to one past MAX_LAST_NAMES (a skip scan). */
function lastNamesUnder(orgId: string, q: string) {
  const end = q + RANGE_END;
  const firstFrom = (comparison: '>=' | '>', from: unknown) =>
    sql`(select last_name_lc from users where org_id = ${orgId} and last_name_lc ${sql.raw(comparison)} ${from} and last_name_lc < ${end} order by last_name_lc limit 1)`;
  return sql`
    with recursive last_names (name) as (
      select ${firstFrom('>=', q)}
      union all
      select ${firstFrom('>', sql.ref('last_names.name'))} from last_names where last_names.name is not null
    ),
    few_names as (select name from last_names where name is not null limit ${MAX_LAST_NAMES + 1})`;
}

/**
 * People whose last name starts with `q`, in full-name order. Read one last name at a
 * time through the (org_id, last_name_lc, full_name_lc, id) index, each in full-name
 * order with the limit, so a common name costs a page, not a sort of everyone who has it.
 */
async function byLastName(db: Db, query: PeopleQuery, orgId: string, q: string, after: Cursor | undefined, limit: number): Promise<Found[]> {
  const names = await lastNamesStartingWith(db, orgId, q);
  if (names.length === 0) return [];
  if (names.length > MAX_LAST_NAMES) return ranked(query.where(prefixOf('users.last_name_lc', q)), RANK_NAME, 'users.full_name_lc', after, limit);
  const branch = (name: string) => db.selectFrom(inOrder(query.where('users.last_name_lc', '=', name), RANK_NAME, 'users.full_name_lc', after, limit).as('one_name')).selectAll();
  const rows = await names
    .slice(1)
    .reduce((union, name) => union.unionAll(branch(name)), branch(names[0]!))
    .execute();
  return rows.map((row) => ({ ...row, rank: RANK_NAME }));
}

function prefixOf(column: 'users.email' | 'users.full_name_lc' | 'users.last_name_lc', q: string) {
  return sql<boolean>`(${sql.ref(column)} >= ${q} and ${sql.ref(column)} < ${q + RANGE_END})`;
}

async function rankRows(db: Db, filters: Filters, rank: number, q: string, asTyped: string, after: Cursor | undefined, limit: number): Promise<Found[]> {
  const base = people(db, filters);
  if (rank === RANK_EXACT) {
    return ranked(base.where((eb) => eb.or([eb('users.email', '=', q), eb('users.id', '=', asTyped)])), rank, 'users.email', after, limit);
  }
  if (rank === RANK_EMAIL_PREFIX) {
    return ranked(base.where('users.email', '>', q).where('users.email', '<', q + RANGE_END), rank, 'users.email', after, limit);
  }
  // Name matches not already shown by email: full-name prefixes (which include first
  // names) and last-name prefixes, merged in full-name order.
  const notByEmail = base.where(sql<boolean>`not ${prefixOf('users.email', q)}`);
  const [byFullName, byLast] = await Promise.all([
    ranked(notByEmail.where(prefixOf('users.full_name_lc', q)), rank, 'users.full_name_lc', after, limit),
    byLastName(db, notByEmail.where(sql<boolean>`not ${prefixOf('users.full_name_lc', q)}`), filters.orgId, q, after, limit),
  ]);
  return [...byFullName, ...byLast]
    .sort((a, b) => (a.full_name_lc < b.full_name_lc ? -1 : a.full_name_lc > b.full_name_lc ? 1 : a.id < b.id ? -1 : 1))
    .slice(0, limit);
}

/** The matches in rank order, at most `wanted`. */
async function findPeople(db: Db, filters: Filters, search: UserSearch, after: Cursor | undefined, wanted: number): Promise<Found[]> {
  const asTyped = search.q?.trim();
  const q = asTyped?.toLowerCase();
  // Without a query everyone matches, in name order.
  if (!q) return ranked(people(db, filters), RANK_NAME, 'users.full_name_lc', after ? [RANK_NAME, after[1], after[2]] : undefined, wanted);
  // The exact match and the email prefixes are read together (on PostgreSQL one round
  // trip of waiting instead of two): both are short index ranges. Names come only when
  // those leave room, since a name range can be long when its people's emails already
  // matched (every "maria" has an email starting "maria.").
  const first = after?.[0] ?? RANK_EXACT;
  const emailRanks = [RANK_EXACT, RANK_EMAIL_PREFIX].filter((rank) => rank >= first);
  const found = (await Promise.all(emailRanks.map((rank) => rankRows(db, filters, rank, q, asTyped!, after, wanted)))).flat().slice(0, wanted);
  if (found.length < wanted) found.push(...(await rankRows(db, filters, RANK_NAME, q, asTyped!, after, wanted - found.length)));
  return found;
}

type FoundWithRegistrations = Required<Found>;

/**
 * On PostgreSQL a round trip costs more than these statements take to run, so each rank
 * group is one statement that brings its people's registrations along: the exact and
 * email-prefix ranks together, then the whole name rank when they leave room (a third
 * statement only for a prefix of more than MAX_LAST_NAMES last names).
 */
async function findPeopleWithRegistrations(db: Db, filters: Filters, search: UserSearch, after: Cursor | undefined, wanted: number): Promise<FoundWithRegistrations[]> {
  const asTyped = search.q?.trim();
  const q = asTyped?.toLowerCase();
  const base = people(db, filters, true);
  if (!q) return withRegistrations(db, sql``, withRank(inOrder(base, RANK_NAME, 'users.full_name_lc', after ? [RANK_NAME, after[1], after[2]] : undefined, wanted), RANK_NAME), wanted);
  const first = after?.[0] ?? RANK_EXACT;
  const names = (limit: number) => nameRows(db, base, filters.orgId, q, after, limit);
  if (first === RANK_NAME) return names(wanted);
  const exact = withRank(inOrder(base.where((eb) => eb.or([eb('users.email', '=', q), eb('users.id', '=', asTyped!)])), RANK_EXACT, 'users.email', after, wanted), RANK_EXACT);
  const emailPrefix = withRank(inOrder(base.where('users.email', '>', q).where('users.email', '<', q + RANGE_END), RANK_EMAIL_PREFIX, 'users.email', after, wanted), RANK_EMAIL_PREFIX);
  const byEmail = withRegistrations(db, sql``, first === RANK_EXACT ? sql`(${exact} union all ${emailPrefix})` : emailPrefix, wanted);
  // The name rank waits for the emails because its range can be long when the emails
  // already matched its people (every "maria" has an email starting "maria."). A query
  // with a space (no email has one) or an @ (no name has one) cannot be both, so its
  // name rank is a short read, sent alongside.
  if (/[\s@]/.test(q)) {
    const [emails, more] = await Promise.all([byEmail, names(wanted)]);
    return [...emails, ...more].slice(0, wanted);
  }
  const found = await byEmail;
  return found.length < wanted ? [...found, ...(await names(wanted - found.length))] : found;
}

function withRank(query: ReturnType<typeof inOrder>, rank: number) {
  return sql`(${query.select(sql.lit(rank).as('rank'))})`;
}

/** `ranks` (rows of one or more ranks) in rank order, each with the person's registrations. */
async function withRegistrations(db: Db, ctes: RawBuilder<unknown>, ranks: RawBuilder<unknown>, limit: number): Promise<FoundWithRegistrations[]> {
  const statement = sql<FoundWithRegistrations>`
    ${ctes}
    select found.*, coalesce((
      select json_agg(json_build_object('eventSlug', events.slug, 'role', r.role, 'status', r.status, 'stage', r.stage) order by events.starts_at, events.id)
      from registrations r join events on events.id = r.event_id
      where r.user_id = found.id
    ), '[]') as registrations
    from ${ranks} found
    order by found.rank, case when found.rank = ${RANK_NAME} then found.full_name_lc else found.email end, found.id
    limit ${limit}`;
  // Planning these took longer than running them: each runs with a plan made once.
  return preparedRead(db, statement.compile(db));
}

/**
 * The name rank as rankRows reads it: full-name prefixes, and each last name under the
 * prefix read in index order (joined laterally to few_names). Past MAX_LAST_NAMES names
 * the statement answers only a marker row and the last-name range is read by a second
 * one: a range branch in every statement would cost more to plan than it saves.
 */
async function nameRows(db: Db, base: PeopleQuery, orgId: string, q: string, after: Cursor | undefined, limit: number): Promise<FoundWithRegistrations[]> {
  const rows = await withRegistrations(db, lastNamesUnder(orgId, q), nameMatches(base, q, after, limit), limit);
  if (rows[0]?.rank !== MANY_LAST_NAMES) return rows;
  return withRegistrations(db, sql``, nameRangeMatches(base, q, after, limit), limit);
}

// The rank of the marker row nameMatches answers past MAX_LAST_NAMES; sorts before any other.
const MANY_LAST_NAMES = -1;

/** The name rank's parts: full-name prefixes, and the people a last-name match adds. */
function nameParts(base: PeopleQuery, q: string, after: Cursor | undefined, limit: number) {
  const notByEmail = base.where(sql<boolean>`not ${prefixOf('users.email', q)}`);
  const byFullName = withRank(inOrder(notByEmail.where(prefixOf('users.full_name_lc', q)), RANK_NAME, 'users.full_name_lc', after, limit), RANK_NAME);
  const lastOnly = notByEmail.where(sql<boolean>`not ${prefixOf('users.full_name_lc', q)}`);
  const byLastName = (match: RawBuilder<boolean>) => withRank(inOrder(lastOnly.where(match), RANK_NAME, 'users.full_name_lc', after, limit), RANK_NAME);
  return { byFullName, byLastName };
}

function nameMatches(base: PeopleQuery, q: string, after: Cursor | undefined, limit: number) {
  const { byFullName, byLastName } = nameParts(base, q, after, limit);
  return sql`(
    ${byFullName}
    union all
    (select one_name.* from few_names cross join lateral ${byLastName(sql<boolean>`users.last_name_lc = few_names.name`)} one_name where (select count(*) from few_names) <= ${MAX_LAST_NAMES})
    union all
    (select null, null, null, null, null, null, ${sql.lit(MANY_LAST_NAMES)} where (select count(*) from few_names) > ${MAX_LAST_NAMES})
  )`;
}

/** The name rank past MAX_LAST_NAMES: full-name prefixes and the last-name range at once. */
function nameRangeMatches(base: PeopleQuery, q: string, after: Cursor | undefined, limit: number) {
  const { byFullName, byLastName } = nameParts(base, q, after, limit);
  return sql`(${byFullName} union all ${byLastName(prefixOf('users.last_name_lc', q))})`;
}

export async function searchUsers(db: Db, orgId: string, search: UserSearch): Promise<Page<UserSummary>> {
  const filters: Filters = { orgId, event: search.event, status: search.status, role: search.role };
  const after = search.cursor ? decodeCursor(search.cursor, cursorSchema) : undefined;
  const wanted = search.limit + 1;
  const onPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const found = await (onPostgres ? findPeopleWithRegistrations(db, filters, search, after, wanted) : findPeople(db, filters, search, after, wanted));
  // An unknown event answers 404. Anyone found proves the event exists (the search matches
  // it as findEventRow does), so only an empty page needs the lookup.
  if (search.event && found.length === 0) await findEventRow(db, orgId, search.event);

  const page = found.slice(0, search.limit);
  const last = page.at(-1);
  const nextCursor =
    found.length > search.limit && last ? encodeCursor([last.rank, last.rank === RANK_NAME ? last.full_name_lc : last.email, last.id]) : null;
  const registrations = onPostgres
    ? new Map(page.map((row) => [row.id, row.registrations ?? []]))
    : await briefRegistrations(db, page.map((row) => row.id));
  return {
    items: page.map((row) => ({
      id: row.id,
      email: row.email,
      firstName: row.first_name,
      lastName: row.last_name,
      fullName: fullName(row),
      company: row.company,
      registrations: registrations.get(row.id) ?? [],
    })),
    nextCursor,
  };
}

async function briefRegistrations(db: Db, userIds: string[]) {
  const byUser = new Map<string, UserSummary['registrations']>();
  if (userIds.length === 0) return byUser;
  const rows = await db
    .selectFrom('registrations')
    .innerJoin('events', 'events.id', 'registrations.event_id')
    .select(['registrations.user_id', 'events.slug', 'registrations.role', 'registrations.status', 'registrations.stage'])
    .where('registrations.user_id', 'in', userIds)
    .orderBy('events.starts_at')
    .orderBy('events.id')
    .execute();
  for (const row of rows) {
    const list = byUser.get(row.user_id) ?? [];
    list.push({
      eventSlug: row.slug,
      role: row.role as EventRole,
      status: row.status as RegistrationStatus,
      stage: row.stage as RegistrationStage,
    });
    byUser.set(row.user_id, list);
  }
  return byUser;
}
