// The SMS second factor for people and staff: enrolling a phone (a code confirms it),
// sign-in codes to the confirmed phone, and removal. Codes are 6 digits from a CSPRNG,
// single use, 5 minutes, stored only as an HMAC (the platform key, salted with the code's
// id). Every count that limits guessing or sending lives in the database (a conditional
// UPDATE on the code, rate-limit rows per account and per number), so it holds under
// parallel requests and across platform instances. The number is sealed at rest; everyone but its owner sees it masked.
//
// Functions that take `trx` run in the caller's transaction (or open one): the code is
// queued in the SMS outbox with the change, so it is sent only if the change commits.
// A refused code is counted in that transaction too: commit it, so the count stays.
import { randomInt, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { parseMfaMethods, type MfaMethod } from '../../contract/mfa-methods.ts';
import type { PlatformContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { enqueueSms, cancelQueuedSms } from '../sms/outbox.ts';
import { parsePhone } from '../sms/phone.ts';
import type { Db } from '../storage/database.ts';
import type { OrganisationRow } from '../storage/schema.ts';
import { enforceRateLimit, hitRateLimit, type RateLimit } from './rate-limit.ts';

export type SmsSubject = { kind: 'user'; id: string; orgId: string } | { kind: 'staff'; id: string; orgId: string };
export type SmsPurpose = 'enroll' | 'sign_in';
export type SmsCodeRefusal = 'wrong_code' | 'expired' | 'used' | 'limited' | 'no_code';

export const SMS_CODE_MINUTES = 5;
/** Tries one code allows, right or wrong; then it is locked. */
export const SMS_CODE_ATTEMPTS = 5;

const HOUR = 3600;
/** Codes sent to one number, whoever asks, and to one account, whatever the number. */
export const SMS_SENDS_PER_NUMBER: RateLimit = { name: 'sms_sends_number', max: 5, windowSeconds: HOUR };
export const SMS_SENDS_PER_ACCOUNT: RateLimit = { name: 'sms_sends_account', max: 5, windowSeconds: HOUR };
/** Codes checked for one account and for one number, across all their codes. */
export const SMS_CHECKS_PER_ACCOUNT: RateLimit = { name: 'sms_checks_account', max: 15, windowSeconds: HOUR };
export const SMS_CHECKS_PER_NUMBER: RateLimit = { name: 'sms_checks_number', max: 15, windowSeconds: HOUR };

type Owner = { column: 'user_id' | 'staff_id'; id: string };

function ownerOf(subject: SmsSubject): Owner {
  return { column: subject.kind === 'user' ? 'user_id' : 'staff_id', id: subject.id };
}

function ownerColumns(subject: SmsSubject): { user_id: string | null; staff_id: string | null } {
  return { user_id: subject.kind === 'user' ? subject.id : null, staff_id: subject.kind === 'staff' ? subject.id : null };
}

/** The key every rate-limit row of a subject is counted under. */
function accountKey(subject: SmsSubject): string {
  return `${subject.kind}:${subject.id}`;
}

/** A keyed hash of the E.164 number: counts per number without keeping it readable. */
function phoneHash(ctx: PlatformContext, e164: string): string {
  return ctx.secrets.sign('sms-phone', e164);
}

function codeHash(ctx: PlatformContext, codeId: string, code: string): string {
  return ctx.secrets.sign('sms-code', `${codeId}.${code}`);
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/**
 * Holds the subject's row until the transaction ends (a rewrite of a column with its own
 * value takes the row lock on PostgreSQL; SQLite runs one writer at a time), so two
 * enrolments or sends for one account cannot interleave.
 */
async function lockSubject(trx: Db, subject: SmsSubject): Promise<void> {
  const table = subject.kind === 'user' ? 'users' : 'staff';
  // Kysely cannot type one statement over either table; both have this column.
  const result = await trx
    .updateTable(table as 'users')
    .set({ failed_logins: sql<number>`failed_logins` })
    .where('id', '=', subject.id)
    .where('org_id', '=', subject.orgId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new HttpError('not_found', `No ${subject.kind === 'user' ? 'person' : 'staff member'} with this id.`);
}

/** Which second-factor methods the organisation allows: 'app' always; 'sms' when its policy allows it. */
export function allowedMethods(org: OrganisationRow): MfaMethod[] {
  return parseMfaMethods(org.mfa_methods);
}

/** The confirmed SMS method of a subject, or null. The number is shown only masked (e.g. +44 •••••••123). */
export async function smsMethod(db: Db, subject: SmsSubject): Promise<{ maskedPhone: string; confirmedAt: string } | null> {
  const owner = ownerOf(subject);
  const row = await db
    .selectFrom('sms_phones')
    .select(['masked_phone', 'confirmed_at'])
    .where(owner.column, '=', owner.id)
    .where('confirmed_at', 'is not', null)
    .orderBy('confirmed_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { maskedPhone: row.masked_phone, confirmedAt: row.confirmed_at! } : null;
}

/** A phone being enrolled (code sent, not yet confirmed, code still live), or null. */
export async function pendingSmsEnrollment(db: Db, ctx: PlatformContext, subject: SmsSubject): Promise<{ maskedPhone: string; expiresAt: string } | null> {
  const owner = ownerOf(subject);
  const row = await db
    .selectFrom('sms_codes')
    .innerJoin('sms_phones', 'sms_phones.id', 'sms_codes.phone_id')
    .select(['sms_phones.masked_phone', 'sms_codes.expires_at'])
    .where(`sms_codes.${owner.column}`, '=', owner.id)
    .where('sms_codes.purpose', '=', 'enroll')
    .where('sms_codes.used_at', 'is', null)
    .where('sms_codes.expires_at', '>', ctx.clock.now().toISOString())
    .where('sms_phones.confirmed_at', 'is', null)
    .orderBy('sms_codes.created_at', 'desc')
    .orderBy('sms_codes.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { maskedPhone: row.masked_phone, expiresAt: row.expires_at } : null;
}

/** Counts a send against the number and the account; throws 429 with Retry-After over either. */
async function countSend(trx: Db, ctx: PlatformContext, subject: SmsSubject, hash: string): Promise<void> {
  await enforceRateLimit(trx, ctx.clock, SMS_SENDS_PER_NUMBER, hash, 'text messages to this number');
  await enforceRateLimit(trx, ctx.clock, SMS_SENDS_PER_ACCOUNT, accountKey(subject), 'text messages for this account');
}

/** A new code for `phoneId`, stored hashed, and its message queued in the outbox. */
async function issueCode(
  trx: Db,
  ctx: PlatformContext,
  subject: SmsSubject,
  purpose: SmsPurpose,
  phone: { id: string; e164: string; masked: string; hash: string },
): Promise<{ maskedPhone: string; expiresAt: string }> {
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + SMS_CODE_MINUTES * 60_000).toISOString();
  const id = `smc_${ctx.tokens.id()}`;
  const code = newCode();
  await trx
    .insertInto('sms_codes')
    .values({
      id,
      org_id: subject.orgId,
      ...ownerColumns(subject),
      phone_id: phone.id,
      purpose,
      code_hash: codeHash(ctx, id, code),
      attempts: 0,
      expires_at: expiresAt,
      used_at: null,
      created_at: now.toISOString(),
    })
    .execute();
  const org = await trx.selectFrom('organisations').select('name').where('id', '=', subject.orgId).executeTakeFirstOrThrow();
  await enqueueSms(trx, ctx, {
    orgId: subject.orgId,
    userId: subject.kind === 'user' ? subject.id : null,
    staffId: subject.kind === 'staff' ? subject.id : null,
    purpose,
    e164: phone.e164,
    maskedPhone: phone.masked,
    phoneHash: phone.hash,
    body: `${code} is your ${org.name} ${purpose === 'enroll' ? 'code to set up text message sign-in' : 'sign-in code'}. It expires in ${SMS_CODE_MINUTES} minutes. Never share it, not even with support.`,
    expiresAt,
  });
  ctx.sms?.wake();
  return { maskedPhone: phone.masked, expiresAt };
}

/**
 * Validates the number (libphonenumber-js, stored as E.164, sealed at rest), queues a 6-digit code by SMS in the
 * same transaction. Throws HttpError('validation_failed', field 'phone') on a bad number, ('conflict', reason
 * 'sms_not_allowed') when the organisation does not allow SMS, ('rate_limited') over limits.
 */
export async function startSmsEnrollment(trx: Db, ctx: PlatformContext, subject: SmsSubject, phoneInput: string): Promise<{ maskedPhone: string; expiresAt: string }> {
  const org = await trx.selectFrom('organisations').selectAll().where('id', '=', subject.orgId).executeTakeFirstOrThrow();
  if (!allowedMethods(org).includes('sms')) {
    throw new HttpError('conflict', `${org.name} does not allow text message codes for two-factor authentication; use an authenticator app.`, { reason: 'sms_not_allowed' });
  }
  const phone = parsePhone(phoneInput);
  if (!phone.ok) throw new HttpError('validation_failed', phone.message, { fields: [{ field: 'phone', message: phone.message }] });
  return inTransaction(trx, async (t) => {
    await lockSubject(t, subject);
    const hash = phoneHash(ctx, phone.e164);
    await countSend(t, ctx, subject, hash);
    await dropPendingPhones(t, subject);
    const id = `smp_${ctx.tokens.id()}`;
    await t
      .insertInto('sms_phones')
      .values({
        id,
        org_id: subject.orgId,
        ...ownerColumns(subject),
        phone_sealed: ctx.secrets.seal(phone.e164),
        phone_hash: hash,
        masked_phone: phone.masked,
        confirmed_at: null,
        created_at: ctx.clock.now().toISOString(),
      })
      .execute();
    return issueCode(t, ctx, subject, 'enroll', { id, e164: phone.e164, masked: phone.masked, hash });
  });
}

/** Phones being enrolled and not confirmed, with their codes: a new enrolment replaces them. */
async function dropPendingPhones(trx: Db, subject: SmsSubject): Promise<void> {
  const owner = ownerOf(subject);
  const pending = trx.selectFrom('sms_phones').select('id').where(owner.column, '=', owner.id).where('confirmed_at', 'is', null);
  await trx.deleteFrom('sms_codes').where('phone_id', 'in', pending).execute();
  await trx.deleteFrom('sms_phones').where(owner.column, '=', owner.id).where('confirmed_at', 'is', null).execute();
}

type CodeCheck = { ok: true; phoneId: string } | { ok: false; reason: SmsCodeRefusal };

/**
 * Checks `code` against the subject's newest code of `purpose`. The attempt is counted on
 * the code (by a conditional UPDATE, so parallel guesses cannot exceed its allowance) and
 * against the account and the number before the comparison; a right code is then used up
 * by another conditional UPDATE, so only one of two parallel right answers wins.
 */
async function checkCode(trx: Db, ctx: PlatformContext, subject: SmsSubject, purpose: SmsPurpose, code: string): Promise<CodeCheck> {
  const owner = ownerOf(subject);
  const now = ctx.clock.now().toISOString();
  const row = await trx
    .selectFrom('sms_codes')
    .innerJoin('sms_phones', 'sms_phones.id', 'sms_codes.phone_id')
    .select(['sms_codes.id', 'sms_codes.phone_id', 'sms_codes.code_hash', 'sms_codes.attempts', 'sms_codes.expires_at', 'sms_codes.used_at', 'sms_phones.phone_hash'])
    .where(`sms_codes.${owner.column}`, '=', owner.id)
    .where('sms_codes.purpose', '=', purpose)
    .orderBy('sms_codes.created_at', 'desc')
    .orderBy('sms_codes.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'no_code' };
  if (row.used_at !== null) return { ok: false, reason: 'used' };
  if (row.expires_at <= now) return { ok: false, reason: 'expired' };
  if (Number(row.attempts) >= SMS_CODE_ATTEMPTS) return { ok: false, reason: 'limited' };
  const byAccount = await hitRateLimit(trx, ctx.clock, SMS_CHECKS_PER_ACCOUNT, accountKey(subject));
  const byNumber = await hitRateLimit(trx, ctx.clock, SMS_CHECKS_PER_NUMBER, row.phone_hash);
  if (!byAccount.allowed || !byNumber.allowed) return { ok: false, reason: 'limited' };
  const reserved = await trx
    .updateTable('sms_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .where('attempts', '<', SMS_CODE_ATTEMPTS)
    .executeTakeFirst();
  if (Number(reserved.numUpdatedRows) !== 1) {
    const current = await trx.selectFrom('sms_codes').select('used_at').where('id', '=', row.id).executeTakeFirst();
    return { ok: false, reason: current?.used_at ? 'used' : 'limited' };
  }
  const typed = code.replace(/[\s-]/g, '');
  if (!/^\d{6}$/.test(typed) || !sameHash(codeHash(ctx, row.id, typed), row.code_hash)) return { ok: false, reason: 'wrong_code' };
  const consumed = await trx.updateTable('sms_codes').set({ used_at: now }).where('id', '=', row.id).where('used_at', 'is', null).executeTakeFirst();
  if (Number(consumed.numUpdatedRows) !== 1) return { ok: false, reason: 'used' };
  return { ok: true, phoneId: row.phone_id };
}

/** Confirms the pending phone with its code; on success the SMS method is on (replacing an older number). */
export async function confirmSmsEnrollment(
  trx: Db,
  ctx: PlatformContext,
  subject: SmsSubject,
  code: string,
): Promise<{ ok: true; maskedPhone: string } | { ok: false; reason: SmsCodeRefusal }> {
  return inTransaction(trx, async (t) => {
    const checked = await checkCode(t, ctx, subject, 'enroll', code);
    if (!checked.ok) return checked;
    const owner = ownerOf(subject);
    const phone = await t.selectFrom('sms_phones').select(['id', 'masked_phone']).where('id', '=', checked.phoneId).executeTakeFirst();
    if (!phone) return { ok: false, reason: 'no_code' };
    // The new number replaces any older one; codes sent to that one die with it.
    await t.deleteFrom('sms_codes').where(owner.column, '=', owner.id).where('phone_id', '!=', phone.id).execute();
    await t.deleteFrom('sms_phones').where(owner.column, '=', owner.id).where('id', '!=', phone.id).execute();
    await t.updateTable('sms_phones').set({ confirmed_at: ctx.clock.now().toISOString() }).where('id', '=', phone.id).execute();
    return { ok: true, maskedPhone: phone.masked_phone };
  });
}

/**
 * Queues a sign-in code to the confirmed number (replacing any unused one). Throws
 * HttpError('conflict', reason 'no_sms_method') without one, ('rate_limited') over limits.
 */
export async function sendSignInCode(trx: Db, ctx: PlatformContext, subject: SmsSubject): Promise<{ maskedPhone: string; expiresAt: string }> {
  return inTransaction(trx, async (t) => {
    await lockSubject(t, subject);
    const owner = ownerOf(subject);
    const phone = await t
      .selectFrom('sms_phones')
      .select(['id', 'phone_sealed', 'phone_hash', 'masked_phone'])
      .where(owner.column, '=', owner.id)
      .where('confirmed_at', 'is not', null)
      .orderBy('confirmed_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!phone) throw new HttpError('conflict', 'No phone is set up for text message codes.', { reason: 'no_sms_method' });
    await countSend(t, ctx, subject, phone.phone_hash);
    await t.deleteFrom('sms_codes').where(owner.column, '=', owner.id).where('purpose', '=', 'sign_in').where('used_at', 'is', null).execute();
    return issueCode(t, ctx, subject, 'sign_in', { id: phone.id, e164: ctx.secrets.open(phone.phone_sealed), masked: phone.masked_phone, hash: phone.phone_hash });
  });
}

/** Checks a sign-in code: single use, 5 minutes, hashed, attempts limited per account and per number. */
export async function verifySignInCode(trx: Db, ctx: PlatformContext, subject: SmsSubject, code: string): Promise<{ ok: true } | { ok: false; reason: SmsCodeRefusal }> {
  const checked = await inTransaction(trx, (t) => checkCode(t, ctx, subject, 'sign_in', code));
  return checked.ok ? { ok: true } : checked;
}

/** Turns the SMS method off and drops pending codes (and messages not sent yet). True when there was a phone. */
export async function removeSmsMethod(trx: Db, ctx: PlatformContext, subject: SmsSubject): Promise<boolean> {
  return inTransaction(trx, async (t) => {
    const owner = ownerOf(subject);
    await t.deleteFrom('sms_codes').where(owner.column, '=', owner.id).execute();
    const removed = await t.deleteFrom('sms_phones').where(owner.column, '=', owner.id).executeTakeFirst();
    await cancelQueuedSms(t, ctx, owner, 'Not sent: the text message method was removed.');
    return Number(removed.numDeletedRows) > 0;
  });
}
