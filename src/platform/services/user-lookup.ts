// One person with everything an agent needs: profile, account state and registrations.
import type { UserDetail } from '../../contract/schemas.ts';
import type { Db } from '../storage/database.ts';
import type { UserRow } from '../storage/schema.ts';
import { HttpError } from '../http-error.ts';
import { displayEmail, emailLookupKey } from '../../contract/email-address.ts';
import { accountState, fullName, registrationSummary } from './views.ts';

/**
 * A person by id or email. An address is looked up under the address rule, so one that
 * breaks it (hidden characters, say) is not found, like an address nobody has.
 */
export async function findUserRow(db: Db, orgId: string, ref: string): Promise<UserRow> {
  const key = ref.trim();
  const byEmail = ref.normalize('NFKC').includes('@');
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', orgId)
    .where(byEmail ? 'email' : 'id', '=', byEmail ? emailLookupKey(ref) : key)
    .executeTakeFirst();
  // Hidden characters of an address show as U+FFFD, so the agent sees why it matched no one.
  if (!user) throw new HttpError('not_found', `No person matches "${byEmail ? displayEmail(ref) : key}".`, { resource: 'user' });
  return user;
}

export async function registrationsOf(db: Db, userId: string) {
  const rows = await db
    .selectFrom('registrations')
    .innerJoin('events', 'events.id', 'registrations.event_id')
    .selectAll('registrations')
    .select(['events.slug as event_slug', 'events.title as event_title'])
    .where('registrations.user_id', '=', userId)
    .orderBy('events.starts_at')
    .execute();
  return rows.map((row) => registrationSummary(row, { slug: row.event_slug, title: row.event_title }));
}

export async function getUserDetail(db: Db, orgId: string, ref: string, now: Date): Promise<UserDetail> {
  const user = await findUserRow(db, orgId, ref);
  return {
    id: user.id,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    fullName: fullName(user),
    country: user.country,
    jobTitle: user.job_title,
    company: user.company,
    createdAt: user.created_at,
    updatedAt: user.updated_at,
    account: accountState(user, now),
    registrations: await registrationsOf(db, user.id),
  };
}
