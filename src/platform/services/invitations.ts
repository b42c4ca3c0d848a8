// Invitations: the organiser invites a person to an event. On password events the email
// leads to "set me up" (choose a password, then sign in); on login-link events it opens
// the event site, where the person registers and gets a login link.
import type { SentEmail } from '../../contract/schemas.ts';
import type { EventRole } from '../../contract/vocabulary.ts';
import type { PlatformContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import type { Db } from '../storage/database.ts';
import type { EventRow, UserRow } from '../storage/schema.ts';
import { issueLink } from './link-tokens.ts';
import { notifyPerson } from './notify.ts';
import { createRegistration, eventAddress, findOrCreateUser } from './registration.ts';
import { eventPhase } from './views.ts';

export interface InvitationInput {
  orgName: string;
  event: EventRow;
  email: string;
  firstName: string;
  lastName: string;
  role: EventRole;
  createdBy: string;
}

export async function invite(trx: Db, ctx: PlatformContext, input: InvitationInput): Promise<SentEmail & { userId: string }> {
  const { event } = input;
  if (eventPhase(event, ctx.clock.now()) === 'ended') {
    throw new HttpError('conflict', `${event.slug} has ended; there is nothing left to invite anyone to.`, { reason: 'event_ended' });
  }
  const { email, problem } = eventAddress(event, input.email);
  if (problem) throw new HttpError('validation_failed', problem.message, { fields: [{ field: 'body.email', message: problem.message }], reason: problem.reason });
  const { user } = await findOrCreateUser(trx, ctx, event.org_id, {
    email,
    values: { first_name: input.firstName, last_name: input.lastName },
    passwordHash: null,
  });
  const existing = await trx.selectFrom('registrations').select(['status']).where('user_id', '=', user.id).where('event_id', '=', event.id).executeTakeFirst();
  if (existing) {
    throw new HttpError('conflict', `${email} already has a registration for ${event.slug} (${existing.status}).`, { reason: 'already_registered' });
  }
  await createRegistration(trx, ctx, { user, event, role: input.role, type: 'invite', status: 'invited', stage: 'invite_sent' });
  if (invitationTemplate(event, user) === 'invitation_password') {
    const link = await issueLink(trx, ctx, {
      kind: 'set_password',
      orgId: user.org_id,
      userId: user.id,
      eventId: event.id,
      ttlMinutes: event.set_password_ttl_minutes,
      createdBy: input.createdBy,
    });
    const sent = await notifyPerson(trx, ctx, { orgName: input.orgName, user, event, template: 'invitation_password', actionUrl: link.url, expiresAt: link.expiresAt });
    return { ...sent, userId: user.id };
  }
  const sent = await notifyPerson(trx, ctx, { orgName: input.orgName, user, event, template: 'invitation_login_link', actionUrl: eventSiteUrl(ctx.publicUrl, event) });
  return { ...sent, userId: user.id };
}

/**
 * Which invitation a person gets: on a password event someone without a password is
 * sent a set-password link; everyone else is sent to the event site.
 */
export function invitationTemplate(event: Pick<EventRow, 'login_method'>, user: Pick<UserRow, 'password_hash'>): 'invitation_password' | 'invitation_login_link' {
  return event.login_method === 'password' && user.password_hash === null ? 'invitation_password' : 'invitation_login_link';
}

/** Where a login-link invitation leads: the event's site. */
export function eventSiteUrl(publicUrl: string, event: Pick<EventRow, 'slug'>): string {
  return new URL(`/e/${event.slug}`, publicUrl).toString();
}
