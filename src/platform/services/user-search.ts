// Finds people: one query string matched against email (exact first, then prefix) and
// first, last and full name prefixes, case-insensitive, with keyset pagination.
import { sql } from 'kysely';
import { z } from 'zod';
import type { Page, UserSummary } from '../../contract/schemas.ts';
import type { EventRole, RegistrationStage, RegistrationStatus } from '../../contract/vocabulary.ts';
import type { Db } from '../storage/database.ts';
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

// Ranks order the results: exact email, then id, then email prefix, then name prefix.
const RANK_EXACT = 0;
const RANK_EMAIL_PREFIX = 1;
const RANK_NAME = 2;

// Sorts after every character a name or email realistically holds, closing a prefix range.
const RANGE_END = '\uffff';

const cursorSchema = z.tuple([z.number().int().min(0).max(RANK_NAME), z.string().max(1000), z.string().max(100)]);


/** Lower-cased forms the search indexes are built on; kept next to the search that uses them. */
export function searchColumns(firstName: string, lastName: string) {
  const first = firstName.trim().toLowerCase();
  const last = lastName.trim().toLowerCase();
  return { first_name_lc: first, last_name_lc: last, full_name_lc: `${first} ${last}`.trim() };
}

function candidates(db: Db, orgId: string, q: string, asTyped: string) {
  const users = () => db.selectFrom('users').where('org_id', '=', orgId);
  const prefix = (column: 'email' | 'first_name_lc' | 'last_name_lc' | 'full_name_lc', rank: number) =>
    users()
      .select(['id', sql<number>`${sql.lit(rank)}`.as('rank')])
      .where(column, '>=', q)
      .where(column, '<', q + RANGE_END);
  return users()
    .select(['id', sql<number>`${sql.lit(RANK_EXACT)}`.as('rank')])
    .where((eb) => eb.or([eb('email', '=', q), eb('id', '=', asTyped)]))
    .unionAll(prefix('email', RANK_EMAIL_PREFIX))
    .unionAll(prefix('full_name_lc', RANK_NAME))
    .unionAll(prefix('first_name_lc', RANK_NAME))
    .unionAll(prefix('last_name_lc', RANK_NAME));
}

export async function searchUsers(db: Db, orgId: string, search: UserSearch): Promise<Page<UserSummary>> {
  const eventId = search.event ? (await findEventRow(db, orgId, search.event)).id : undefined;
  const after = search.cursor ? decodeCursor(search.cursor, cursorSchema) : undefined;
  const asTyped = search.q?.trim();
  const q = asTyped?.toLowerCase();

  let query = q
    ? db
        .with('matches', () => candidates(db, orgId, q, asTyped!))
        .with('best', (qb) =>
          qb.selectFrom('matches').select(['id', (eb) => eb.fn.min<number>('rank').as('rank')]).groupBy('id'),
        )
        .selectFrom('best')
        .innerJoin('users', 'users.id', 'best.id')
        .select('best.rank as rank')
    : db
        .selectFrom('users')
        .where('users.org_id', '=', orgId)
        .select(sql<number>`${sql.lit(RANK_EXACT)}`.as('rank'));


  if (eventId || search.status || search.role) {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('registrations as r')
          .select(sql.lit(1).as('one'))
          .whereRef('r.user_id', '=', 'users.id')
          .$if(eventId !== undefined, (w) => w.where('r.event_id', '=', eventId!))
          .$if(search.status !== undefined, (w) => w.where('r.status', '=', search.status!))
          .$if(search.role !== undefined, (w) => w.where('r.role', '=', search.role!)),
      ),
    );
  }
  // Without a query every row has the same rank, so only name and id order the page.
  if (after) {
    query = query.where(
      q
        ? sql<boolean>`(best.rank, users.full_name_lc, users.id) > (${after[0]}, ${after[1]}, ${after[2]})`
        : sql<boolean>`(users.full_name_lc, users.id) > (${after[1]}, ${after[2]})`,
    );
  }
  const rows = await query
    .select(['users.id', 'users.email', 'users.first_name', 'users.last_name', 'users.full_name_lc', 'users.company'])
    .$if(q !== undefined, (qb) => qb.orderBy(sql.ref('best.rank')))
    .orderBy('users.full_name_lc')
    .orderBy('users.id')
    .limit(search.limit + 1)
    .execute();

  const page = rows.slice(0, search.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > search.limit && last ? encodeCursor([Number(last.rank), last.full_name_lc, last.id]) : null;
  const registrations = await briefRegistrations(db, page.map((row) => row.id));
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
