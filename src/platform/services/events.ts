// Events as agents see them: listed by start time, with registrant counts and whether
// registration is open now.
import { sql } from 'kysely';
import { z } from 'zod';
import type { EventDetail, EventSummary, FormField, Page } from '../../contract/schemas.ts';
import { REGISTRATION_STATUSES, type RegistrationStatus } from '../../contract/vocabulary.ts';
import type { Db } from '../storage/database.ts';
import type { EventRow } from '../storage/schema.ts';
import { HttpError } from '../http-error.ts';
import { eventSummary } from './views.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

/** Unregistered people are not counted as registrants. */
const COUNTED_STATUSES = REGISTRATION_STATUSES.filter((s) => s !== 'unregistered');

export async function findEventRow(db: Db, orgId: string, ref: string): Promise<EventRow> {
  const event = await db
    .selectFrom('events')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) => eb.or([eb('id', '=', ref), eb('slug', '=', ref.toLowerCase())]))
    .executeTakeFirst();
  if (!event) throw new HttpError('not_found', `No event matches "${ref}".`, { resource: 'event' });
  return event;
}

const cursorSchema = z.tuple([z.string().max(40), z.string().max(100)]);


/** Read from the counters the registrations' triggers keep (migration 0011), which count COUNTED_STATUSES. */
async function registrantCounts(db: Db, eventIds: string[]): Promise<Map<string, number>> {
  if (eventIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('event_registrant_counts')
    .select(['event_id', (eb) => eb.fn.sum<number>('registrants').as('count')])
    .where('event_id', 'in', eventIds)
    .groupBy('event_id')
    .execute();
  return new Map(rows.map((row) => [row.event_id, Number(row.count)]));
}

export async function listEvents(
  db: Db,
  orgId: string,
  now: Date,
  page: { limit: number; cursor?: string },
): Promise<Page<EventSummary>> {
  const after = page.cursor ? decodeCursor(page.cursor, cursorSchema) : undefined;
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('org_id', '=', orgId)
    .$if(after !== undefined, (q) => q.where(sql<boolean>`(starts_at, id) > (${after![0]}, ${after![1]})`))
    .orderBy('starts_at')
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
  const items = rows.slice(0, page.limit);
  const counts = await registrantCounts(db, items.map((e) => e.id));
  const last = items.at(-1);
  return {
    items: items.map((event) => eventSummary(event, counts.get(event.id) ?? 0, now)),
    nextCursor:
      rows.length > page.limit && last
        ? encodeCursor([last.starts_at, last.id])
        : null,
  };
}

export async function getEvent(
  db: Db,
  orgId: string,
  ref: string,
  now: Date,
  publicUrl: string,
): Promise<EventDetail> {
  const event = await findEventRow(db, orgId, ref);
  const rows = await db
    .selectFrom('registrations')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .where('event_id', '=', event.id)
    .groupBy('status')
    .execute();
  const countsByStatus = Object.fromEntries(REGISTRATION_STATUSES.map((s) => [s, 0])) as Record<
    RegistrationStatus,
    number
  >;
  for (const row of rows) countsByStatus[row.status as RegistrationStatus] = Number(row.count);
  const registrantCount = COUNTED_STATUSES.reduce((sum, s) => sum + countsByStatus[s], 0);
  return {
    ...eventSummary(event, registrantCount, now),
    registrationUrl: new URL(`/e/${event.slug}/register`, publicUrl).toString(),
    countsByStatus,
    formFields: JSON.parse(event.form_fields) as FormField[],
    approvedDomains: JSON.parse(event.approved_domains) as string[],
    refusePublicDomains: event.refuse_public_domains === 1,
    passwordPolicy: { minLength: event.password_min_length, maxLength: event.password_max_length },
    linkLifetimes: {
      verificationMinutes: event.verification_ttl_minutes,
      loginLinkMinutes: event.magic_link_ttl_minutes,
      setPasswordMinutes: event.set_password_ttl_minutes,
    },
    webhookSecretSet: event.webhook_secret_sealed !== null,
  };
}
