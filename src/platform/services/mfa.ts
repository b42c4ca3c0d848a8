// Two-factor authentication for people: status for agents (each method: the app, text
// messages; recovery codes; what is pending), enrollment links (24 hours, one pending at
// a time), confirming an enrollment with a first code, and removal by an admin after
// identity checks. Nobody but the person ever sees the secret.
import type { IssuedLinkView, MfaStatus } from '../../contract/schemas.ts';
import type { PlatformContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import type { Db } from '../storage/database.ts';
import type { OrganisationRow, TokenRow, UserRow } from '../storage/schema.ts';
import { IDENTITY_CHECK_VALID_MINUTES } from './identity-check.ts';
import { issueLink, pendingLink } from './link-tokens.ts';
import { notifyPerson } from './notify.ts';
import { SETUP_KIND } from './self-service-mfa.ts';
import { allowedMethods, pendingSmsEnrollment, removeSmsMethod, smsMethod, type SmsSubject } from './sms-mfa.ts';
import { hashRecoveryCode, newRecoveryCodes, recoveryCodesLeft } from './recovery-codes.ts';
import { acceptTotp, newTotpSecret } from './totp.ts';
import { endAllWebSessions } from './web-session.ts';

export const ENROLLMENT_LINK_MINUTES = 24 * 60;

export async function mfaStatus(db: Db, ctx: PlatformContext, user: UserRow, org: OrganisationRow): Promise<MfaStatus> {
  const subject = smsSubjectOf(user);
  const sms = await smsMethod(db, subject);
  const enrolled = user.mfa_confirmed_at !== null || sms !== null;
  const left = await recoveryCodesLeft(db, user.id);
  const pending = await pendingLink(db, ctx.clock, user.id, 'mfa_enroll');
  const pendingApp = pending ? { createdAt: pending.created_at, expiresAt: pending.expires_at! } : null;
  return {
    email: user.email,
    enrolled,
    enrolledAt: user.mfa_confirmed_at ?? sms?.confirmedAt ?? null,
    recoveryCodesLeft: enrolled ? left : 0,
    requiredByOrganisation: org.mfa_policy === 'everyone',
    pendingEnrollment: pendingApp,
    methods: {
      app: user.mfa_secret_enc !== null && user.mfa_confirmed_at !== null ? { enrolledAt: user.mfa_confirmed_at } : null,
      sms,
    },
    pending: { app: pendingApp, sms: await pendingSmsEnrollment(db, ctx, subject) },
    allowedMethods: allowedMethods(org),
  };
}

function smsSubjectOf(user: UserRow): SmsSubject {
  return { kind: 'user', id: user.id, orgId: user.org_id };
}

/** A new enrollment link; it replaces any pending one. The secret rides sealed on it. */
export async function startEnrollment(
  trx: Db,
  ctx: PlatformContext,
  input: { orgName: string; user: UserRow; send: boolean; createdBy: string },
): Promise<IssuedLinkView> {
  // Replacing a working authenticator is for the person alone: the link goes to their inbox.
  if (!input.send && input.user.mfa_confirmed_at !== null) {
    throw new HttpError('conflict', `${input.user.email} already uses two-factor authentication; a new enrollment link can only be emailed to them.`, {
      reason: 'emailed_only',
    });
  }
  const link = await issueLink(trx, ctx, {
    kind: 'mfa_enroll',
    orgId: input.user.org_id,
    userId: input.user.id,
    eventId: null,
    ttlMinutes: ENROLLMENT_LINK_MINUTES,
    createdBy: input.createdBy,
    payloadSealed: ctx.secrets.seal(newTotpSecret()),
  });
  if (!input.send) return { url: link.url, expiresAt: link.expiresAt, email: null };
  const email = await notifyPerson(trx, ctx, {
    orgName: input.orgName,
    user: input.user,
    event: null,
    template: 'mfa_enrollment',
    actionUrl: link.url,
    expiresAt: link.expiresAt,
  });
  return { url: null, expiresAt: link.expiresAt, email };
}

/** The pending secret of an enrollment link, for the page that shows the QR code. */
export function enrollmentSecret(ctx: PlatformContext, link: TokenRow): string {
  if (!link.payload_sealed) throw new HttpError('conflict', 'This enrollment link has no secret.');
  return ctx.secrets.open(link.payload_sealed);
}

/** Replaces the person's recovery codes; the plain codes are returned once. */
export async function replaceRecoveryCodes(trx: Db, ctx: PlatformContext, owner: { userId?: string; staffId?: string }): Promise<string[]> {
  const now = ctx.clock.now().toISOString();
  if (owner.userId) await trx.deleteFrom('recovery_codes').where('user_id', '=', owner.userId).execute();
  if (owner.staffId) await trx.deleteFrom('recovery_codes').where('staff_id', '=', owner.staffId).execute();
  const codes = newRecoveryCodes();
  await trx
    .insertInto('recovery_codes')
    .values(
      codes.map((code) => ({
        id: `rc_${ctx.tokens.id()}`,
        user_id: owner.userId ?? null,
        staff_id: owner.staffId ?? null,
        hash: hashRecoveryCode(code),
        used_at: null,
        created_at: now,
      })),
    )
    .execute();
  return codes;
}

/** The time step of a first code from the person's new app, or null when it is wrong. */
export function enrollmentStep(ctx: PlatformContext, link: TokenRow, code: string): number | null {
  return acceptTotp(enrollmentSecret(ctx, link), code, ctx.clock.now(), null);
}

/**
 * Turns 2FA on with the enrollment's secret, once the caller has checked the first code
 * and used the link up; returns the recovery codes to show once.
 */
export async function enableEnrollment(trx: Db, ctx: PlatformContext, link: TokenRow, step: number): Promise<string[]> {
  const now = ctx.clock.now().toISOString();
  await trx
    .updateTable('users')
    .set({ mfa_secret_enc: link.payload_sealed, mfa_confirmed_at: now, mfa_last_step: step, mfa_enrollment_required: 0, updated_at: now })
    .where('id', '=', link.user_id!)
    .execute();
  return replaceRecoveryCodes(trx, ctx, { userId: link.user_id! });
}

/** Removes 2FA: both methods (app secret, text-message phone), recovery codes and any pending enrollment. */
export async function clearMfa(trx: Db, ctx: PlatformContext, user: UserRow): Promise<void> {
  const userId = user.id;
  const now = ctx.clock.now().toISOString();
  await removeSmsMethod(trx, ctx, smsSubjectOf(user));
  await trx
    .updateTable('users')
    .set({ mfa_secret_enc: null, mfa_confirmed_at: null, mfa_last_step: null, updated_at: now })
    .where('id', '=', userId)
    .execute();
  await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await endAllWebSessions(trx, ctx, userId);
  await trx
    .updateTable('tokens')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('kind', '=', 'mfa_enroll')
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
}

export interface VerificationProof {
  verifiedBy?: string;
  checklist?: { question: string; confirmed: boolean }[];
  /** Rely on a code the person read back ("t1 identity check") within its validity. */
  identityCheck?: boolean;
}

/**
 * Checks that the admin verified the person's identity; returns how, for the audit log.
 * `freshCheck` is the person's latest identity check still valid, when there is one.
 */
export function identityProof(questions: string[], proof: VerificationProof, freshCheck?: { checkedAt: string } | null): string {
  if (proof.identityCheck) {
    if (!freshCheck) {
      throw new HttpError(
        'conflict',
        `No identity check in the last ${IDENTITY_CHECK_VALID_MINUTES} minutes: email the person a code ("t1 identity send-code"), then record the code they read back ("t1 identity check").`,
        { reason: 'identity_check_missing' },
      );
    }
    return `identity check: the person read back the emailed code (confirmed ${freshCheck.checkedAt})`;
  }
  if (proof.verifiedBy) return `verified by ${proof.verifiedBy}`;
  if (questions.length === 0) {
    throw new HttpError('validation_failed', 'Say how the identity was verified (verifiedBy); the organisation has no checklist.', {
      fields: [{ field: 'body.verifiedBy', message: 'required' }],
    });
  }
  const answers = new Map((proof.checklist ?? []).map((a) => [a.question, a.confirmed]));
  const missing = questions.filter((q) => answers.get(q) !== true);
  if (missing.length > 0) {
    throw new HttpError('conflict', `Identity not verified: ${missing.length} of ${questions.length} checks not confirmed.`, {
      reason: 'identity_not_verified',
      unconfirmed: missing,
    });
  }
  return `identity checklist confirmed (${questions.length} checks)`;
}

/**
 * An admin's removal after identity checks: every method (app, text messages), the
 * recovery codes, and whatever is still pending (enrollment links, phone codes, a setup
 * begun on the account page).
 */
export async function resetMfa(
  trx: Db,
  ctx: PlatformContext,
  input: { orgName: string; user: UserRow },
) {
  const subject = smsSubjectOf(input.user);
  // A phone still waiting for its code was no second factor yet.
  const removed = input.user.mfa_confirmed_at !== null || (await smsMethod(trx, subject)) !== null;
  await clearMfa(trx, ctx, input.user);
  await trx
    .updateTable('tokens')
    .set({ revoked_at: ctx.clock.now().toISOString() })
    .where('user_id', '=', input.user.id)
    .where('kind', '=', SETUP_KIND)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
  // An admin's removal after identity checks also settles an enrollment still owed.
  await trx.updateTable('users').set({ mfa_enrollment_required: 0 }).where('id', '=', input.user.id).execute();
  // Telling someone their 2FA was removed when they had none would only alarm them.
  const notification = removed
    ? await notifyPerson(trx, ctx, { orgName: input.orgName, user: input.user, event: null, template: 'mfa_removed' })
    : null;
  return { email: input.user.email, removed, notification };
}

/** Accepts a code or a recovery code for a person signing in with 2FA. */
export async function acceptSecondFactor(
  trx: Db,
  ctx: PlatformContext,
  owner: { kind: 'user' | 'staff'; id: string; secretSealed: string; lastStep: number | null },
  code: string,
): Promise<'code' | 'recovery_code' | null> {
  const step = acceptTotp(ctx.secrets.open(owner.secretSealed), code, ctx.clock.now(), owner.lastStep);
  const table = owner.kind === 'user' ? 'users' : 'staff';
  if (step !== null) {
    // The conditional update makes a code usable once even under concurrent sign-ins.
    const updated = await trx
      .updateTable(table)
      .set({ mfa_last_step: step })
      .where('id', '=', owner.id)
      .where((eb) => eb.or([eb('mfa_last_step', 'is', null), eb('mfa_last_step', '<', step)]))
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1 ? 'code' : null;
  }
  return (await acceptRecoveryCode(trx, ctx, owner, code)) ? 'recovery_code' : null;
}

/** Uses up one of the owner's recovery codes; false when `code` is none of the unused ones. */
export async function acceptRecoveryCode(trx: Db, ctx: PlatformContext, owner: { kind: 'user' | 'staff'; id: string }, code: string): Promise<boolean> {
  const column = owner.kind === 'user' ? 'user_id' : 'staff_id';
  const used = await trx
    .updateTable('recovery_codes')
    .set({ used_at: ctx.clock.now().toISOString() })
    .where(column, '=', owner.id)
    .where('hash', '=', hashRecoveryCode(code))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1;
}

