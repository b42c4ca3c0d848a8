// Moves registrations between statuses and stages as people complete each step, so
// what `t1 status` reports is what the person went through.
import type { RegistrationStage, RegistrationStatus } from '../../contract/vocabulary.ts';
import type { Clock } from '../clock.ts';
import { HttpError } from '../http-error.ts';
import type { Db } from '../storage/database.ts';
import type { EventRow, RegistrationRow, UserRow } from '../storage/schema.ts';

export async function registrationFor(db: Db, user: UserRow, event: EventRow): Promise<RegistrationRow> {
  const registration = await db
    .selectFrom('registrations')
    .selectAll()
    .where('user_id', '=', user.id)
    .where('event_id', '=', event.id)
    .executeTakeFirst();
  if (!registration) {
    throw new HttpError('not_found', `${user.email} is not registered for ${event.slug}.`, { resource: 'registration' });
  }
  return registration;
}

/** Registrations that cannot take support actions: the organiser shut the person out. */
export function refuseIfShutOut(registration: RegistrationRow, user: UserRow): void {
  if (user.blocked === 1 || registration.status === 'blocked') {
    throw new HttpError('conflict', `${user.email} is blocked; tier one cannot send them links. Escalate to the organiser.`);
  }
  if (registration.status === 'unregistered') {
    throw new HttpError('conflict', `${user.email} is unregistered from this event; they need to register again first.`);
  }
}

export interface StageMove {
  userId: string;
  /** Only this event's registration; all of the person's registrations when null. */
  eventId: string | null;
  from: readonly RegistrationStage[];
  to: { status: RegistrationStatus; stage: RegistrationStage };
}

export async function moveStage(db: Db, clock: Clock, move: StageMove): Promise<number> {
  const result = await db
    .updateTable('registrations')
    .set({ status: move.to.status, stage: move.to.stage, updated_at: clock.now().toISOString() })
    .where('user_id', '=', move.userId)
    .$if(move.eventId !== null, (q) => q.where('event_id', '=', move.eventId!))
    .where('stage', 'in', [...move.from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function organisationOf(db: Db, orgId: string) {
  return db.selectFrom('organisations').selectAll().where('id', '=', orgId).executeTakeFirstOrThrow();
}
