// A signed-in person managing their own two-factor authentication on the account page:
// turning it on (authenticator app or text messages) or off, changing the phone, and
// making new recovery codes. Each change is confirmed with the current password.
//
// A change that takes several pages (password, QR code, first code, recovery codes)
// lives in a short "setup" token row: its secret rides in an HttpOnly cookie, its sealed
// payload holds what the next page needs, and finishing uses it up atomically.
import type { PlatformContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { verifyPassword } from '../passwords.ts';
import { tokenKeys } from '../clock.ts';
import type { Db } from '../storage/database.ts';
import type { OrganisationRow, TokenRow, UserRow } from '../storage/schema.ts';
import { recordActivity } from '../activity/record.ts';
import { notifyPerson } from './notify.ts';
import { enforceRateLimit, type RateLimit } from './rate-limit.ts';
import { hashRecoveryCode, newRecoveryCodes, recoveryCodesLeft } from './recovery-codes.ts';
import { storeToken } from './token-store.ts';
import { acceptTotp, newTotpSecret } from './totp.ts';
import { allowedMethods, confirmSmsEnrollment, pendingSmsEnrollment, removeSmsMethod, smsMethod, startSmsEnrollment, type SmsCodeRefusal, type SmsSubject } from './sms-mfa.ts';

export const SETUP_KIND = 'mfa_setup';
const SETUP_MINUTES = 15;
// Each change asks for the password: guessing it here is limited like signing in.
const PASSWORD_CHECKS: RateLimit = { name: 'account-password', max: 10, windowSeconds: 15 * 60 };

export type Method = 'app' | 'sms';

export interface TwoFactorState {
  on: boolean;
  method: Method | null;
  since: string | null;
  maskedPhone: string | null;
  recoveryCodesLeft: number;
  /** The organisation requires 2FA for everyone: it cannot be turned off. */
  required: boolean;
  allowed: Method[];
  hasPassword: boolean;
}

/** What a setup row carries from page to page (sealed at rest). */
export type SetupPayload =
  | { purpose: 'app'; secret: string; step?: number; codes?: string[] }
  | { purpose: 'sms'; phone: string; change: boolean }
  /** Codes already in use, shown once; `done` names the change they came with. */
  | { purpose: 'codes'; codes: string[]; done: 'codes' | 'sms' };

export interface Setup {
  row: TokenRow;
  payload: SetupPayload;
}

export function smsSubject(user: UserRow): SmsSubject {
  return { kind: 'user', id: user.id, orgId: user.org_id };
}

export async function twoFactorState(db: Db, user: UserRow, org: OrganisationRow): Promise<TwoFactorState> {
  const sms = user.mfa_secret_enc ? null : await smsMethod(db, smsSubject(user));
  const method: Method | null = user.mfa_secret_enc && user.mfa_confirmed_at ? 'app' : sms ? 'sms' : null;
  const left = await recoveryCodesLeft(db, user.id);
  return {
    on: method !== null,
    method,
    since: method === 'sms' ? (user.mfa_confirmed_at ?? sms!.confirmedAt) : user.mfa_confirmed_at,
    maskedPhone: sms?.maskedPhone ?? null,
    recoveryCodesLeft: method ? left : 0,
    required: org.mfa_policy === 'everyone',
    allowed: allowedMethods(org),
    hasPassword: user.password_hash !== null,
  };
}

/** Checks the person's current password; throws 429 after too many tries. */
export async function passwordConfirmed(ctx: PlatformContext, user: UserRow, password: string): Promise<boolean> {
  await enforceRateLimit(ctx.db, ctx.clock, PASSWORD_CHECKS, user.id, 'password checks for this account');
  if (!user.password_hash || !password) return false;
  return verifyPassword(user.password_hash, password);
}

async function newSetup(trx: Db, ctx: PlatformContext, user: UserRow, payload: SetupPayload): Promise<string> {
  // One change at a time: an older unfinished one stops working.
  await revokeSetups(trx, ctx, user.id);
  const { token } = await storeToken(trx, ctx, {
    kind: SETUP_KIND,
    idPrefix: 'mst',
    orgId: user.org_id,
    userId: user.id,
    minutes: SETUP_MINUTES,
    createdBy: 'self-service',
    payloadSealed: ctx.secrets.seal(JSON.stringify(payload)),
  });
  return token;
}

async function revokeSetups(trx: Db, ctx: PlatformContext, userId: string): Promise<void> {
  await trx
    .updateTable('tokens')
    .set({ revoked_at: ctx.clock.now().toISOString(), payload_sealed: null })
    .where('user_id', '=', userId)
    .where('kind', '=', SETUP_KIND)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
}

/** The person's unfinished change behind a setup cookie, or null when there is none (any more). */
export async function liveSetup(db: Db, ctx: PlatformContext, user: UserRow, token: string | undefined): Promise<Setup | null> {
  if (!token) return null;
  const row = await db
    .selectFrom('tokens')
    .selectAll()
    .where('hash', 'in', tokenKeys(token))
    .where('kind', '=', SETUP_KIND)
    .where('user_id', '=', user.id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', ctx.clock.now().toISOString())
    .executeTakeFirst();
  if (!row?.payload_sealed) return null;
  return { row, payload: JSON.parse(ctx.secrets.open(row.payload_sealed)) as SetupPayload };
}

/** Moves an unfinished change to its next page; false when it was finished or replaced meanwhile. */
async function advanceSetup(trx: Db, ctx: PlatformContext, setup: Setup, payload: SetupPayload): Promise<boolean> {
  const updated = await trx
    .updateTable('tokens')
    .set({ payload_sealed: ctx.secrets.seal(JSON.stringify(payload)) })
    .where('id', '=', setup.row.id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** Uses a setup row up: of two concurrent finishes, only one gets true. */
async function consumeSetup(trx: Db, ctx: PlatformContext, setup: Setup): Promise<boolean> {
  const used = await trx
    .updateTable('tokens')
    .set({ used_at: ctx.clock.now().toISOString(), payload_sealed: null })
    .where('id', '=', setup.row.id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1;
}

async function storeRecoveryCodes(trx: Db, ctx: PlatformContext, userId: string, codes: string[]): Promise<void> {
  const now = ctx.clock.now().toISOString();
  await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await trx
    .insertInto('recovery_codes')
    .values(codes.map((code) => ({ id: `rc_${ctx.tokens.id()}`, user_id: userId, staff_id: null, hash: hashRecoveryCode(code), used_at: null, created_at: now })))
    .execute();
}

const about = (user: UserRow) => ({ orgId: user.org_id, userId: user.id });

// ---- Authenticator app -----------------------------------------------------------

/** Starts setting up an authenticator app: a new secret, shown on the next page. */
export async function startAppSetup(ctx: PlatformContext, user: UserRow): Promise<string> {
  return ctx.db.transaction().execute((trx) => newSetup(trx, ctx, user, { purpose: 'app', secret: newTotpSecret() }));
}

/**
 * Checks the first code from the new app. Right, the recovery codes are made (not yet
 * stored): they are shown next, and the app is turned on only once they are saved.
 */
export async function confirmAppCode(ctx: PlatformContext, setup: Setup, code: string): Promise<'ok' | 'wrong_code' | 'gone'> {
  if (setup.payload.purpose !== 'app') return 'gone';
  const step = acceptTotp(setup.payload.secret, code, ctx.clock.now(), null);
  if (step === null) return 'wrong_code';
  const advanced = await advanceSetup(ctx.db, ctx, setup, { ...setup.payload, step, codes: newRecoveryCodes() });
  return advanced ? 'ok' : 'gone';
}

export type FinishOutcome = { kind: 'done'; method: Method | null } | { kind: 'not_saved' } | { kind: 'gone' };

/**
 * The last page of a change: the recovery codes were shown and the person says they saved
 * them. An app setup turns 2FA on here; codes made earlier are just put away.
 */
export async function finishSetup(ctx: PlatformContext, user: UserRow, setup: Setup, saved: boolean): Promise<FinishOutcome> {
  if (!saved) return { kind: 'not_saved' };
  const { payload } = setup;
  if (payload.purpose === 'sms') return { kind: 'gone' };
  if (payload.purpose === 'app' && (payload.step === undefined || !payload.codes)) return { kind: 'gone' };
  return ctx.db.transaction().execute(async (trx): Promise<FinishOutcome> => {
    if (!(await consumeSetup(trx, ctx, setup))) return { kind: 'gone' };
    if (payload.purpose === 'codes') return { kind: 'done', method: null };
    const now = ctx.clock.now().toISOString();
    await trx
      .updateTable('users')
      .set({ mfa_secret_enc: ctx.secrets.seal(payload.secret), mfa_confirmed_at: now, mfa_last_step: payload.step!, mfa_enrollment_required: 0, updated_at: now })
      .where('id', '=', user.id)
      .execute();
    await storeRecoveryCodes(trx, ctx, user.id, payload.codes!);
    const replacedSms = await removeSmsMethod(trx, { ...ctx, db: trx }, smsSubject(user));
    await revokeEnrollmentLinks(trx, ctx, user.id);
    await recordActivity(trx, ctx, { ...about(user), kind: 'mfa.enabled', detail: { method: 'app', via: 'account_page', ...(replacedSms ? { replaced: 'sms' } : {}) } });
    return { kind: 'done', method: 'app' };
  });
}

/** An emailed enrollment link still pending would replace the method just chosen. */
async function revokeEnrollmentLinks(trx: Db, ctx: PlatformContext, userId: string): Promise<void> {
  await trx
    .updateTable('tokens')
    .set({ revoked_at: ctx.clock.now().toISOString() })
    .where('user_id', '=', userId)
    .where('kind', '=', 'mfa_enroll')
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
}

// ---- Text messages ---------------------------------------------------------------

/**
 * Texts a code to a new number (turning SMS on, or changing the phone). Throws
 * HttpError('invalid_input', field 'phone') for a number that cannot be used.
 */
export async function startSmsSetup(ctx: PlatformContext, user: UserRow, phone: string): Promise<{ token: string; maskedPhone: string }> {
  return ctx.db.transaction().execute(async (trx) => {
    const change = (await smsMethod(trx, smsSubject(user))) !== null;
    const sent = await startSmsEnrollment(trx, { ...ctx, db: trx }, smsSubject(user), phone);
    const token = await newSetup(trx, ctx, user, { purpose: 'sms', phone, change });
    return { token, maskedPhone: sent.maskedPhone };
  });
}

/** "Text me a new code" while a number is being confirmed. */
export async function resendSmsSetupCode(ctx: PlatformContext, user: UserRow, setup: Setup): Promise<{ maskedPhone: string } | null> {
  if (setup.payload.purpose !== 'sms') return null;
  const { phone } = setup.payload;
  return ctx.db.transaction().execute(async (trx) => startSmsEnrollment(trx, { ...ctx, db: trx }, smsSubject(user), phone));
}

export function pendingPhone(ctx: PlatformContext, user: UserRow) {
  return pendingSmsEnrollment(ctx.db, ctx, smsSubject(user));
}

export type SmsConfirmOutcome =
  | { kind: 'on'; maskedPhone: string; codesToken: string | null }
  | { kind: 'refused'; reason: SmsCodeRefusal }
  | { kind: 'gone' };

/**
 * Confirms the texted code: SMS becomes the person's method (replacing an app or an older
 * number). Someone who had no 2FA gets recovery codes, stored now and shown next.
 */
export async function confirmSmsSetup(ctx: PlatformContext, user: UserRow, setup: Setup, code: string): Promise<SmsConfirmOutcome> {
  if (setup.payload.purpose !== 'sms') return { kind: 'gone' };
  const { change } = setup.payload;
  return ctx.db.transaction().execute(async (trx): Promise<SmsConfirmOutcome> => {
    // The texted code is single use, so of two confirmations only one goes on; a refused
    // one commits too, so its attempt counts, and leaves the setup for another try.
    const confirmed = await confirmSmsEnrollment(trx, { ...ctx, db: trx }, smsSubject(user), code);
    if (!confirmed.ok) return { kind: 'refused', reason: confirmed.reason };
    await consumeSetup(trx, ctx, setup);
    const current = await trx.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    const hadApp = current.mfa_secret_enc !== null && current.mfa_confirmed_at !== null;
    const hadTwoFactor = hadApp || change;
    const now = ctx.clock.now().toISOString();
    await trx
      .updateTable('users')
      .set({ mfa_secret_enc: null, mfa_last_step: null, mfa_confirmed_at: hadTwoFactor && !hadApp ? current.mfa_confirmed_at ?? now : now, mfa_enrollment_required: 0, updated_at: now })
      .where('id', '=', user.id)
      .execute();
    await revokeEnrollmentLinks(trx, ctx, user.id);
    if (change) {
      await recordActivity(trx, ctx, { ...about(user), kind: 'mfa.phone_changed' });
      return { kind: 'on', maskedPhone: confirmed.maskedPhone, codesToken: null };
    }
    await recordActivity(trx, ctx, { ...about(user), kind: 'mfa.enabled', detail: { method: 'sms', via: 'account_page', ...(hadApp ? { replaced: 'app' } : {}) } });
    if (hadApp) return { kind: 'on', maskedPhone: confirmed.maskedPhone, codesToken: null };
    const codes = newRecoveryCodes();
    await storeRecoveryCodes(trx, ctx, user.id, codes);
    return { kind: 'on', maskedPhone: confirmed.maskedPhone, codesToken: await newSetup(trx, ctx, user, { purpose: 'codes', codes, done: 'sms' }) };
  });
}

// ---- Recovery codes and turning off --------------------------------------------

/** New recovery codes (the old ones stop working now), shown once on the next page. */
export async function regenerateRecoveryCodes(ctx: PlatformContext, user: UserRow): Promise<string> {
  return ctx.db.transaction().execute(async (trx) => {
    const codes = newRecoveryCodes();
    await storeRecoveryCodes(trx, ctx, user.id, codes);
    await recordActivity(trx, ctx, { ...about(user), kind: 'mfa.recovery_codes_replaced' });
    return newSetup(trx, ctx, user, { purpose: 'codes', codes, done: 'codes' });
  });
}

/** Turns 2FA off, unless the organisation requires it; emails the person that it happened. */
export async function turnOff(ctx: PlatformContext, user: UserRow, org: OrganisationRow): Promise<boolean> {
  if (org.mfa_policy === 'everyone') {
    throw new HttpError('forbidden', `${org.name} requires two-factor authentication for everyone, so it cannot be turned off.`);
  }
  const removed = await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now().toISOString();
    const app = await trx
      .updateTable('users')
      .set({ mfa_secret_enc: null, mfa_confirmed_at: null, mfa_last_step: null, updated_at: now })
      .where('id', '=', user.id)
      .where('mfa_confirmed_at', 'is not', null)
      .executeTakeFirst();
    const sms = await removeSmsMethod(trx, { ...ctx, db: trx }, smsSubject(user));
    // Two turn-offs at once: only the one that removed something records and emails.
    if (Number(app.numUpdatedRows) === 0 && !sms) return false;
    await trx.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
    await revokeSetups(trx, ctx, user.id);
    await recordActivity(trx, ctx, { ...about(user), kind: 'mfa.removed', detail: { via: 'account_page' } });
    await notifyPerson(trx, ctx, { orgName: org.name, user, event: null, template: 'mfa_removed' });
    return true;
  });
  if (removed) ctx.mail.wake();
  return removed;
}
