// Email verification: an agent resends the right email for the person's state, and the
// person's click on the link confirms the address and completes the registration.
import type { SentEmail } from '../../contract/schemas.ts';
import { ACTIVATION_TEMPLATES, RESEND_COOLDOWN_SECONDS } from '../../contract/vocabulary.ts';
import type { PlatformContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import type { Db } from '../storage/database.ts';
import type { EventRow, UserRow } from '../storage/schema.ts';
import { issueLink } from './link-tokens.ts';
import { notifyPerson, signInUrl } from './notify.ts';
import { moveStage, refuseIfShutOut, registrationFor } from './registration-state.ts';


export interface ResendInput {
  orgName: string;
  user: UserRow;
  event: EventRow;
  force: boolean;
  createdBy: string;
}

export async function resendVerification(trx: Db, ctx: PlatformContext, input: ResendInput): Promise<SentEmail> {
  const { user, event } = input;
  const registration = await registrationFor(trx, user, event);
  refuseIfShutOut(registration, user);
  const now = ctx.clock.now();
  const last = await trx
    .selectFrom('emails')
    .select(['created_at', 'template'])
    .where('user_id', '=', user.id)
    .where('event_id', '=', event.id)
    .where('template', 'in', [...ACTIVATION_TEMPLATES])
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (last && !input.force) {
    const ageSeconds = Math.floor((now.getTime() - new Date(last.created_at).getTime()) / 1000);
    if (ageSeconds < RESEND_COOLDOWN_SECONDS) {
      const when = last.created_at.slice(11, 19);
      throw new HttpError(
        'conflict',
        `The last one went out ${ageSeconds} second${ageSeconds === 1 ? '' : 's'} ago (at ${when} UTC); give the person a minute to find it before sending another.`,
        { reason: 'recently_sent', lastSentAt: last.created_at },
      );
    }
  }
  return sendActivationEmail(trx, ctx, input.orgName, user, event, input.createdBy);
}

/**
 * The email that gets a registered person in, by their state: a set-password link when
 * a password event meets an account without one, a verification link while the address
 * is unconfirmed, otherwise "registration complete" with the sign-in button.
 */
export async function sendActivationEmail(trx: Db, ctx: PlatformContext, orgName: string, user: UserRow, event: EventRow, createdBy: string): Promise<SentEmail> {
  if (event.login_method === 'password' && user.password_hash === null) {
    const link = await issueLink(trx, ctx, { kind: 'set_password', orgId: user.org_id, userId: user.id, eventId: event.id, ttlMinutes: event.set_password_ttl_minutes, createdBy });
    return notifyPerson(trx, ctx, { orgName, user, event, template: 'set_password', actionUrl: link.url, expiresAt: link.expiresAt });
  }
  if (user.email_verified_at === null && event.verify_email === 1) {
    const link = await issueLink(trx, ctx, { kind: 'verify_email', orgId: user.org_id, userId: user.id, eventId: event.id, ttlMinutes: event.verification_ttl_minutes, createdBy });
    return notifyPerson(trx, ctx, { orgName, user, event, template: 'verify_account', actionUrl: link.url, expiresAt: link.expiresAt });
  }
  return notifyPerson(trx, ctx, { orgName, user, event, template: 'registration_complete', actionUrl: signInUrl(ctx.publicUrl, event.slug) });
}

/** The person proved the address: their registrations waiting on it are complete (how many returned). */
export async function markEmailVerified(trx: Db, ctx: PlatformContext, user: UserRow): Promise<number> {
  const now = ctx.clock.now().toISOString();
  if (user.email_verified_at === null) {
    await trx.updateTable('users').set({ email_verified_at: now, updated_at: now }).where('id', '=', user.id).execute();
  }
  return moveStage(trx, ctx.clock, {
    userId: user.id,
    eventId: null,
    from: ['pending_verification'],
    to: { status: 'registered', stage: 'verified' },
  });
}
