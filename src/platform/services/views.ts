// Turns rows into the API's shapes (camelCase, derived flags).
import type {
  AccountState,
  EventSummary,
  RegistrationSummary,
} from '../../contract/schemas.ts';
import type {
  EventPhase,
  EventRole,
  LoginMethod,
  RegistrationStage,
  RegistrationStatus,
  RegistrationType,
} from '../../contract/vocabulary.ts';
import type { EventRow, RegistrationRow, UserRow } from '../storage/schema.ts';

export function fullName(user: Pick<UserRow, 'first_name' | 'last_name'>): string {
  return `${user.first_name} ${user.last_name}`.trim();
}

export function eventPhase(event: Pick<EventRow, 'starts_at' | 'ends_at'>, now: Date): EventPhase {
  const at = now.toISOString();
  if (at < event.starts_at) return 'upcoming';
  if (at < event.ends_at) return 'live';
  return 'ended';
}

export function accountState(user: UserRow, now: Date): AccountState {
  const locked = user.locked_until !== null && user.locked_until > now.toISOString();
  return {
    passwordSet: user.password_hash !== null,
    emailVerifiedAt: user.email_verified_at,
    locked,
    lockedUntil: locked ? user.locked_until : null,
    failedSignIns: user.failed_logins,
    blocked: user.blocked === 1,
    mfaEnrolled: user.mfa_confirmed_at !== null,
    mfaEnrolledAt: user.mfa_confirmed_at,
  };
}

export function registrationSummary(
  registration: RegistrationRow,
  event: Pick<EventRow, 'slug' | 'title'>,
): RegistrationSummary {
  return {
    id: registration.id,
    eventId: registration.event_id,
    eventSlug: event.slug,
    eventTitle: event.title,
    role: registration.role as EventRole,
    type: registration.type as RegistrationType,
    status: registration.status as RegistrationStatus,
    stage: registration.stage as RegistrationStage,
    createdAt: registration.created_at,
    updatedAt: registration.updated_at,
  };
}

export function eventSummary(event: EventRow, registrantCount: number, now: Date): EventSummary {
  const phase = eventPhase(event, now);
  return {
    id: event.id,
    slug: event.slug,
    title: event.title,
    startsAt: event.starts_at,
    endsAt: event.ends_at,
    timezone: event.timezone,
    phase,
    registrationOpen: event.registration_open === 1 && phase !== 'ended',
    loginMethod: event.login_method as LoginMethod,
    verifyEmail: event.verify_email === 1,
    registrantCount,
  };
}
