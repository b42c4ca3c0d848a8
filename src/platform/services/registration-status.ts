// The registration status of one person for one event, explained for a tier-one agent.
import type { RegistrationStatusView } from '../../contract/schemas.ts';
import { explainStage, STATUS_LABELS, type LoginMethod } from '../../contract/vocabulary.ts';
import type { Db } from '../storage/database.ts';
import { HttpError } from '../http-error.ts';
import { findEventRow } from './events.ts';
import { findUserRow, registrationsOf } from './user-lookup.ts';
import { accountState, eventPhase, fullName } from './views.ts';

export async function getRegistrationStatus(
  db: Db,
  orgId: string,
  userRef: string,
  eventRef: string | undefined,
  now: Date,
): Promise<RegistrationStatusView> {
  const user = await findUserRow(db, orgId, userRef);
  const registrations = await registrationsOf(db, user.id);
  let registration;
  if (eventRef) {
    const event = await findEventRow(db, orgId, eventRef);
    registration = registrations.find((r) => r.eventId === event.id);
    if (!registration) {
      throw new HttpError('not_found', `${user.email} is not registered for ${event.slug}.`, {
        resource: 'registration',
        events: registrations.map((r) => r.eventSlug),
      });
    }
  } else if (registrations.length === 1) {
    registration = registrations[0]!;
  } else if (registrations.length === 0) {
    throw new HttpError('not_found', `${user.email} has no registrations.`, { resource: 'registration', events: [] });
  } else {
    throw new HttpError('conflict', `${user.email} has ${registrations.length} registrations; name the event.`, {
      events: registrations.map((r) => r.eventSlug),
    });
  }

  const event = await findEventRow(db, orgId, registration.eventId);
  const account = accountState(user, now);
  const warnings: string[] = [];
  if (account.blocked) warnings.push('The account is blocked on the platform; the person cannot sign in anywhere.');
  if (account.locked) {
    warnings.push(`Sign-in is locked after repeated failures until ${account.lockedUntil}; clear it with: t1 users unlock ${user.email}`);
  }
  const explanation = explainStage(registration.stage, event.login_method as LoginMethod);
  return {
    user: { id: user.id, email: user.email, fullName: fullName(user) },
    event: {
      id: event.id,
      slug: event.slug,
      title: event.title,
      phase: eventPhase(event, now),
      startsAt: event.starts_at,
      endsAt: event.ends_at,
      timezone: event.timezone,
      loginMethod: event.login_method as LoginMethod,
    },
    registration,
    explanation: {
      statusLabel: STATUS_LABELS[registration.status],
      ...explanation,
      commands: explanation.commands.map((c) => c.replace('<email>', user.email).replace('<event>', event.slug)),
    },
    account,
    warnings,
  };
}
