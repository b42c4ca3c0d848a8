// Passwords: set-password links for people created without one (invitations,
// webhooks, bulk imports), resets, and completing either from the emailed link. When
// the person has (or must have) 2FA, a reset replaces it: the old authenticator entry
// stops working and a new enrollment starts.
import type { IssuedLinkView, SentEmail } from '../../contract/schemas.ts';
import type { PlatformContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { hashPassword } from '../passwords.ts';
import type { Db } from '../storage/database.ts';
import type { EventRow, TokenRow, UserRow } from '../storage/schema.ts';
import { issueLink, type IssuedLink } from './link-tokens.ts';
import { clearMfa, startEnrollment } from './mfa.ts';
import { endAllWebSessions } from './web-session.ts';
import { notifyPerson } from './notify.ts';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from './password-policy.ts';
import { moveStage, organisationOf, refuseIfShutOut, registrationFor } from './registration-state.ts';
import { recordActivity } from '../activity/record.ts';

export const RESET_LINK_MINUTES = 60;

export async function sendSetPasswordLink(
  trx: Db,
  ctx: PlatformContext,
  input: { orgName: string; user: UserRow; event: EventRow; createdBy: string },
): Promise<SentEmail> {
  const { user, event } = input;
  refuseIfShutOut(await registrationFor(trx, user, event), user);
  if (user.password_hash !== null) {
    throw new HttpError('conflict', `${user.email} already has a password, so there is no set-password link to send.`, {
      reason: 'password_already_set',
    });
  }
  const link = await issueLink(trx, ctx, {
    kind: 'set_password',
    orgId: user.org_id,
    userId: user.id,
    eventId: event.id,
    ttlMinutes: event.set_password_ttl_minutes,
    createdBy: input.createdBy,
  });
  return notifyPerson(trx, ctx, {
    orgName: input.orgName,
    user,
    event,
    template: 'set_password',
    actionUrl: link.url,
    expiresAt: link.expiresAt,
  });
}

export async function startPasswordReset(
  trx: Db,
  ctx: PlatformContext,
  input: { orgName: string; user: UserRow; event: EventRow | null; send: boolean; createdBy: string },
): Promise<IssuedLinkView> {
  const { user, event } = input;
  if (user.blocked === 1) throw new HttpError('conflict', `${user.email} is blocked; escalate to the organiser.`);
  // The event names whose password rules apply, so the person must be registered for it.
  if (event) refuseIfShutOut(await registrationFor(trx, user, event), user);
  // Whoever holds a reset link of a 2FA account can enroll a new authenticator, so such
  // links only ever go to the person's own inbox.
  const org = await organisationOf(trx, user.org_id);
  if (!input.send && (user.mfa_confirmed_at !== null || org.mfa_policy === 'everyone')) {
    throw new HttpError('conflict', `${user.email} uses two-factor authentication; the reset link can only be emailed to them.`, {
      reason: 'emailed_only',
    });
  }
  const link: IssuedLink = await issueLink(trx, ctx, {
    kind: 'reset_password',
    orgId: user.org_id,
    userId: user.id,
    eventId: event?.id ?? null,
    ttlMinutes: RESET_LINK_MINUTES,
    createdBy: input.createdBy,
  });
  if (!input.send) return { url: link.url, expiresAt: link.expiresAt, email: null };
  const email = await notifyPerson(trx, ctx, {
    orgName: input.orgName,
    user,
    event,
    template: 'password_reset',
    actionUrl: link.url,
    expiresAt: link.expiresAt,
  });
  return { url: null, expiresAt: link.expiresAt, email };
}

/**
 * The policy that applies to a link: its event's; for a link tied to no event, the
 * strictest of the person's events (one password serves them all), else the default.
 */
export async function policyForLink(db: Db, link: TokenRow): Promise<PasswordPolicy> {
  const events = await db
    .selectFrom('events')
    .select(['password_min_length', 'password_max_length'])
    .$if(link.event_id !== null, (q) => q.where('id', '=', link.event_id!))
    .$if(link.event_id === null, (q) => q.where('id', 'in', db.selectFrom('registrations').select('event_id').where('user_id', '=', link.user_id!)))
    .execute();
  if (events.length === 0) return DEFAULT_PASSWORD_POLICY;
  const minLength = Math.max(...events.map((e) => e.password_min_length));
  // Never below the longest minimum, so some password always fits.
  const maxLength = Math.max(minLength, Math.min(...events.map((e) => e.password_max_length)));
  return { minLength, maxLength };
}

export interface PasswordSetOutcome {
  user: UserRow;
  /** Set when the reset replaced 2FA: where the person enrolls their new authenticator. */
  enrollmentUrl: string | null;
}

/**
 * Stores the new password from a set-password or reset link that the caller has just
 * consumed. Owning the link proves the address, so pending verification completes.
 */
export async function completePasswordLink(
  trx: Db,
  ctx: PlatformContext,
  link: TokenRow,
  password: string,
): Promise<PasswordSetOutcome> {
  const user = await trx.selectFrom('users').selectAll().where('id', '=', link.user_id!).executeTakeFirstOrThrow();
  const now = ctx.clock.now().toISOString();
  // Whoever was signed in with the old password is signed out.
  await endAllWebSessions(trx, ctx, user.id);
  await trx
    .updateTable('users')
    .set({
      password_hash: await hashPassword(password),
      email_verified_at: user.email_verified_at ?? now,
      failed_logins: 0,
      locked_until: null,
      updated_at: now,
    })
    .where('id', '=', user.id)
    .execute();
  const about = { orgId: user.org_id, userId: user.id, eventId: link.event_id };
  await recordActivity(trx, ctx, { ...about, kind: 'password.set', tokenId: link.id, detail: { linkKind: link.kind } });
  const completed =
    (await moveStage(trx, ctx.clock, {
      userId: user.id,
      eventId: null,
      from: ['password_not_set', 'pending_verification'],
      to: { status: 'registered', stage: 'verified' },
    })) +
    // Invitations answered by setting a password count as registrations too.
    (await moveStage(trx, ctx.clock, {
      userId: user.id,
      eventId: link.event_id,
      from: ['invite_sent'],
      to: { status: 'registered', stage: 'verified' },
    }));
  if (completed > 0) await recordActivity(trx, ctx, { ...about, kind: 'registration.completed', detail: { via: 'password set' } });

  const org = await organisationOf(trx, user.org_id);
  let enrollmentUrl: string | null = null;
  const replaceMfa = link.kind === 'reset_password' && (user.mfa_confirmed_at !== null || org.mfa_policy === 'everyone');
  if (replaceMfa) {
    await clearMfa(trx, ctx, user);
    await trx.updateTable('users').set({ mfa_enrollment_required: 1 }).where('id', '=', user.id).execute();
    if (user.mfa_confirmed_at !== null) await recordActivity(trx, ctx, { ...about, kind: 'mfa.removed', detail: { cause: 'password_reset' } });
    const cleared = { ...user, mfa_confirmed_at: null, mfa_secret_enc: null };
    enrollmentUrl = (await startEnrollment(trx, ctx, { orgName: org.name, user: cleared, send: false, createdBy: 'password reset' })).url;
  }
  const event = link.event_id
    ? await trx.selectFrom('events').selectAll().where('id', '=', link.event_id).executeTakeFirst()
    : undefined;
  if (event && link.kind === 'set_password') {
    await notifyPerson(trx, ctx, {
      orgName: org.name,
      user,
      event,
      template: 'registration_complete',
      actionUrl: new URL(`/e/${event.slug}/login`, ctx.publicUrl).toString(),
    });
  }
  const updated = await trx.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
  return { user: updated, enrollmentUrl };
}
