// The registration status of one person for one event, explained for a tier-one agent.
import type { RegistrationStatusView } from '../../contract/schemas.ts';
import { explainStage, STATUS_LABELS, type EventPhase, type LoginMethod } from '../../contract/vocabulary.ts';
import type { AccountState } from '../../contract/schemas.ts';
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
    warnings.push(`Sign-in is locked after repeated failures until ${utcMinute(account.lockedUntil!)}; clear it with: t1 users unlock ${user.email}`);
  }
  const phase = eventPhase(event, now);
  const explanation = { ...explainStage(registration.stage, event.login_method as LoginMethod) };
  if (registration.stage === 'verified') explanation.meaning = completeMeaning(phase, account);
  return {
    user: { id: user.id, email: user.email, fullName: fullName(user) },
    event: {
      id: event.id,
      slug: event.slug,
      title: event.title,
      phase,
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

function utcMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A complete registration, said as it stands today: sign-in possible or not, event started or not. */
function completeMeaning(phase: EventPhase, account: AccountState): string {
  const access = account.blocked
    ? 'The account is blocked, so the person cannot sign in.'
    : account.locked
      ? 'Sign-in is locked for now (see the warning below), so the person cannot get in until it is cleared or runs out.'
      : 'The person can sign in.';
  const when = {
    upcoming: 'The event has not started: after signing in they see a "coming soon" page with the start time, which is expected.',
    live: 'The event is live: after signing in they land on the event site.',
    ended: 'The event has ended, so its site no longer opens.',
  }[phase];
  return `The registration is complete and the email address is confirmed. ${access} ${when}`;
}
