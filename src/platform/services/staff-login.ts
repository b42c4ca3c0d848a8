// Staff sign-in for t1: email and password, then an authenticator code, a code texted to
// the member's phone where the organisation allows text messages, or a recovery code,
// when the organisation requires 2FA for staff or the member enrolled. A member
// who must use 2FA and has not enrolled is enrolled on the spot: the app, or a phone
// where the organisation allows text messages (the code texted to it confirms it), an
// enrolment the audit log records as the member's. Guessing is slowed by per-account and
// per-address limits and growing delays; ten failed attempts in a row (passwords and
// codes alike) lock the account for 30 minutes (see attempt-lock.ts).
// Staff rows are per organisation: an address on several is checked against each, and a
// password that fits more than one leads to a choice of organisation (named in the
// request, or picked from the list the answer offers, which only the password opens).
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { StaffLoginResult, StaffOrganisationChoice } from '../../contract/schemas.ts';
import type { StaffRole } from '../../contract/vocabulary.ts';
import { storeToken } from './token-store.ts';
import type { PlatformContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { verifyPasswordOrDummy } from '../passwords.ts';
import type { Db } from '../storage/database.ts';
import type { StaffRow, TokenRow } from '../storage/schema.ts';
import { liveToken } from './link-tokens.ts';
import { acceptRecoveryCode, acceptSecondFactor, replaceRecoveryCodes } from './mfa.ts';
import { confirmSmsEnrollment, sendSignInCode, smsMethod, startSmsEnrollment, verifySignInCode, type SmsCodeRefusal, type SmsSubject } from './sms-mfa.ts';
import { recordAudit } from './audit.ts';
import { parseMfaMethods } from '../../contract/mfa-methods.ts';
import { clearRateLimit, enforceRateLimit, type RateLimit } from './rate-limit.ts';
import { accountAttempts, attemptFailed, attemptSucceeded, reserveAttempt, unknownAddressAttempts, type Reservation } from './attempt-lock.ts';
import type { Clock } from '../clock.ts';
import { acceptTotp, formatSetupKey, newTotpSecret, otpauthUri } from './totp.ts';

export const STAFF_SESSION_HOURS = 12;
const CHALLENGE_MINUTES = 10;
const ISSUER = 't1 staff';

// Above the lock's ten, as for people: the lock stops a burst at one account, this limit
// the hammering of a locked one.
export const STAFF_LOGIN_PER_ACCOUNT: RateLimit = { name: 'staff-login-account', max: 30, windowSeconds: 15 * 60 };
export const STAFF_LOGIN_PER_IP: RateLimit = { name: 'staff-login-ip', max: 50, windowSeconds: 15 * 60 };
export const STAFF_CODE_PER_ACCOUNT: RateLimit = { name: 'staff-code-account', max: 5, windowSeconds: 5 * 60 };


/** What the second step of a member's sign-in is: none, their app, a texted code, or enrolling the app now. */
type SecondFactor = { kind: 'none' } | { kind: 'app' } | { kind: 'sms'; maskedPhone: string } | { kind: 'enroll' };

function staffSubject(staff: StaffRow): SmsSubject {
  return { kind: 'staff', id: staff.id, orgId: staff.org_id };
}

async function secondFactorOf(db: Db, member: Membership): Promise<SecondFactor> {
  if (member.mfa_confirmed_at && member.mfa_secret_enc) return { kind: 'app' };
  // A phone counts only while the organisation allows text messages.
  const sms = parseMfaMethods(member.mfa_methods).includes('sms') ? await smsMethod(db, staffSubject(member)) : null;
  if (sms) return { kind: 'sms', maskedPhone: sms.maskedPhone };
  const required = member.mfa_policy === 'staff' || member.mfa_policy === 'everyone' || member.mfa_confirmed_at !== null;
  return required ? { kind: 'enroll' } : { kind: 'none' };
}

function issueToken(ctx: PlatformContext, staff: StaffRow, kind: 'session' | 'login_challenge', minutes: number, payloadSealed: string | null = null) {
  return storeToken(ctx.db, ctx, {
    kind,
    idPrefix: kind === 'session' ? 'ses' : 'chl',
    orgId: staff.org_id,
    staffId: staff.id,
    name: kind === 'session' ? 't1 login' : null,
    minutes,
    createdBy: staff.email,
    payloadSealed,
  });
}

async function session(ctx: PlatformContext, staff: StaffRow, recoveryCodes: string[] | null): Promise<StaffLoginResult> {
  const { token, expiresAt } = await issueToken(ctx, staff, 'session', STAFF_SESSION_HOURS * 60);
  return {
    next: 'done',
    token,
    expiresAt: expiresAt!,
    staff: { id: staff.id, email: staff.email, name: staff.name, role: staff.role as StaffRole },
    recoveryCodes,
  };
}

const BAD_CREDENTIALS = 'The email or password is not correct.';
const UNKNOWN_ADDRESS_COUNTER = 'staff-login-unknown';
/** The token kind of a sign-in waiting for the organisation to be picked. */
const ORGANISATION_CHOICE = 'org_choice';

// Answered like a rate limit (429 with Retry-After): the caller is to come back later, not
// to try other credentials.
function lockedError(clock: Clock, until: string): HttpError {
  const retryAfterSeconds = Math.max(1, Math.ceil((new Date(until).getTime() - clock.now().getTime()) / 1000));
  return new HttpError(
    'rate_limited',
    `This account is locked after too many failed sign-in attempts, until ${until.slice(0, 10)} ${until.slice(11, 16)} UTC. The lock runs out by itself; try again then.`,
    { reason: 'locked', lockedUntil: until, retryAfterSeconds },
    { 'retry-after': String(retryAfterSeconds) },
  );
}

/** A staff row with what sign-in needs of its organisation. */
type Membership = StaffRow & { mfa_policy: string; mfa_methods: string; org_name: string };

function memberships(db: Db) {
  return db
    .selectFrom('staff')
    .innerJoin('organisations', 'organisations.id', 'staff.org_id')
    .selectAll('staff')
    .select(['organisations.mfa_policy', 'organisations.mfa_methods', 'organisations.name as org_name']);
}

/** The membership an answer names, by organisation id or name (any case); several when a name is shared. */
function named(choices: Membership[], organisation: string): Membership[] {
  const byId = choices.filter((m) => m.org_id === organisation);
  if (byId.length > 0) return byId;
  const wanted = organisation.toLowerCase();
  return choices.filter((m) => m.org_name.toLowerCase() === wanted);
}

function choiceList(choices: Membership[]): StaffOrganisationChoice[] {
  return choices.map((m) => ({ id: m.org_id, name: m.org_name }));
}

// Only ever said to someone whose password was right: the list is theirs to see.
function unknownOrganisation(choices: Membership[], organisation: string, matches: number): HttpError {
  const listed = choices.map((m) => `${m.org_name} (${m.org_id})`).join(', ');
  const message =
    matches > 1
      ? `Several of your organisations are called "${organisation}"; name one by its id: ${listed}.`
      : `You are not staff of an organisation "${organisation}". Yours: ${listed}.`;
  return new HttpError('validation_failed', message, {
    reason: matches > 1 ? 'ambiguous_organisation' : 'unknown_organisation',
    fields: [{ field: 'body.organisation', message: matches > 1 ? 'names several organisations' : 'is not one of your organisations' }],
    organisations: choiceList(choices),
  });
}

export async function staffPasswordLogin(ctx: PlatformContext, email: string, password: string, ip: string, organisation?: string): Promise<StaffLoginResult> {
  await enforceRateLimit(ctx.db, ctx.clock, STAFF_LOGIN_PER_IP, ip, 'sign-in attempts from this address');
  await enforceRateLimit(ctx.db, ctx.clock, STAFF_LOGIN_PER_ACCOUNT, email, 'sign-in attempts for this account');
  // One staff row per organisation that has this address.
  const rows = await memberships(ctx.db).where('staff.email', '=', email).orderBy('organisations.name').orderBy('staff.org_id').execute();
  if (rows.length === 0) return unknownAddress(ctx, email, password);
  // Counted before the check on every account of the address: of a burst, only the first ten reach argon2.
  const reservations: Reservation[] = [];
  for (const row of rows) reservations.push(await reserveAttempt(ctx.db, ctx.clock, accountAttempts('staff', row.id)));
  const open = rows.filter((_, i) => reservations[i]!.kind === 'check');
  if (open.length === 0) throw lockedError(ctx.clock, latest(reservations.map((r) => (r.kind === 'locked' ? r.until : null)))!);
  // Side by side, so an address with several accounts answers about as fast as one with one.
  const valid = await Promise.all(open.map((row) => verifyPasswordOrDummy(row.password_hash, password)));
  const fits = open.filter((_, i) => valid[i]);
  if (fits.length === 0) return wrongPassword(ctx, rows, reservations);
  const matches = organisation === undefined ? null : named(fits, organisation);
  const chosen = matches === null ? (fits.length === 1 ? fits[0]! : null) : matches.length === 1 ? matches[0]! : null;
  // A password that fits one account is no guess at the others: their attempt is taken
  // back, also when the organisation named is none of those the password opens.
  for (const row of open) {
    if (row === chosen) continue;
    await attemptSucceeded(ctx.db, ctx.clock, accountAttempts('staff', row.id), 'first_factor');
  }
  await clearRateLimit(ctx.db, STAFF_LOGIN_PER_ACCOUNT, email);
  if (matches !== null && !chosen) throw unknownOrganisation(fits, organisation!, matches.length);
  if (!chosen) return organisationChoice(ctx, email, fits);
  // The run ends here unless a code is still to come, which then counts on.
  const factor = await secondFactorOf(ctx.db, chosen);
  const settled = await attemptSucceeded(ctx.db, ctx.clock, accountAttempts('staff', chosen.id), factor.kind === 'none' ? 'sign_in' : 'first_factor');
  if (settled.kind === 'locked') throw lockedError(ctx.clock, settled.until);
  return nextStep(ctx, chosen, factor);
}

function pick(fits: Membership[], organisation: string): Membership {
  const matches = named(fits, organisation);
  if (matches.length !== 1) throw unknownOrganisation(fits, organisation, matches.length);
  return matches[0]!;
}

/** When the last of the locks in force runs out, or null when none is. */
function latest(untils: (string | null)[]): string | null {
  return untils.filter((u): u is string => u !== null).sort().at(-1) ?? null;
}

// Unknown addresses count their attempts too, so they lock like real accounts.
async function unknownAddress(ctx: PlatformContext, email: string, password: string): Promise<never> {
  const attempts = unknownAddressAttempts(UNKNOWN_ADDRESS_COUNTER, email);
  const reservation = await reserveAttempt(ctx.db, ctx.clock, attempts);
  if (reservation.kind === 'locked') throw lockedError(ctx.clock, reservation.until);
  await verifyPasswordOrDummy(null, password);
  const { lockedUntil } = await attemptFailed(ctx.db, ctx.clock, attempts);
  const delay = ctx.signInDelayMs(reservation.attempt);
  if (delay > 0) await sleep(delay);
  throw lockedUntil ? lockedError(ctx.clock, lockedUntil) : new HttpError('unauthenticated', BAD_CREDENTIALS);
}

// A locked account's password is not checked (that would let guessing go on past the
// lock), so a password that opened none of the others may be the locked one's: the
// answer names the lock, as it does for an address with one account (or with none).
async function wrongPassword(ctx: PlatformContext, rows: Membership[], reservations: Reservation[]): Promise<never> {
  const locks: (string | null)[] = [];
  let run = 0;
  for (const [i, row] of rows.entries()) {
    const reservation = reservations[i]!;
    if (reservation.kind === 'locked') {
      locks.push(reservation.until);
      continue;
    }
    run = Math.max(run, reservation.attempt);
    locks.push((await attemptFailed(ctx.db, ctx.clock, accountAttempts('staff', row.id))).lockedUntil);
  }
  const delay = ctx.signInDelayMs(run);
  if (delay > 0) await sleep(delay);
  const until = latest(locks);
  throw until ? lockedError(ctx.clock, until) : new HttpError('unauthenticated', BAD_CREDENTIALS);
}

async function organisationChoice(ctx: PlatformContext, email: string, fits: Membership[]): Promise<StaffLoginResult> {
  const { token, expiresAt } = await storeToken(ctx.db, ctx, {
    kind: ORGANISATION_CHOICE,
    idPrefix: 'chl',
    orgId: fits[0]!.org_id,
    staffId: fits[0]!.id,
    minutes: CHALLENGE_MINUTES,
    createdBy: email,
    payloadSealed: ctx.secrets.seal(JSON.stringify(fits.map((m) => m.id))),
  });
  return { next: 'choose_organisation', challenge: token, expiresAt: expiresAt!, organisations: choiceList(fits) };
}

/** The second step for staff of several organisations: the one they picked. */
export async function staffChooseOrganisation(ctx: PlatformContext, challenge: string, organisation: string): Promise<StaffLoginResult> {
  const row = await liveToken(ctx.db, ctx.clock, ORGANISATION_CHOICE, challenge);
  if (!row?.payload_sealed) throw new HttpError('unauthenticated', 'The sign-in has expired or was already completed; start again.');
  const ids = JSON.parse(ctx.secrets.open(row.payload_sealed)) as string[];
  const fits = await memberships(ctx.db).where('staff.id', 'in', ids).orderBy('organisations.name').orderBy('staff.org_id').execute();
  // A wrong name leaves the choice open, so the caller can pick again.
  const chosen = pick(fits, organisation);
  await useChallenge(ctx.db, ctx.clock, row);
  const factor = await secondFactorOf(ctx.db, chosen);
  if (factor.kind === 'none') {
    const settled = await attemptSucceeded(ctx.db, ctx.clock, accountAttempts('staff', chosen.id), 'sign_in');
    if (settled.kind === 'locked') throw lockedError(ctx.clock, settled.until);
  } else if (chosen.locked_until && chosen.locked_until > ctx.clock.now().toISOString()) {
    throw lockedError(ctx.clock, chosen.locked_until);
  }
  return nextStep(ctx, chosen, factor);
}

/** After the password (and the organisation): a session, or the code still to come. */
async function nextStep(ctx: PlatformContext, membership: Membership, factor: SecondFactor): Promise<StaffLoginResult> {
  const { mfa_policy: _policy, mfa_methods: _methods, org_name: _orgName, ...staff } = membership;
  if (factor.kind === 'none') return session(ctx, staff, null);
  if (factor.kind === 'app') {
    const { token, expiresAt } = await issueToken(ctx, staff, 'login_challenge', CHALLENGE_MINUTES);
    return { next: 'mfa_code', challenge: token, expiresAt: expiresAt!, method: 'app' };
  }
  if (factor.kind === 'sms') {
    // The challenge and the text go together: a refused send (too many texts) leaves no challenge behind.
    return ctx.db.transaction().execute(async (trx) => {
      const { token, expiresAt } = await issueToken({ ...ctx, db: trx }, staff, 'login_challenge', CHALLENGE_MINUTES);
      const sent = await sendSignInCode(trx, ctx, staffSubject(staff));
      return { next: 'mfa_code', challenge: token, expiresAt: expiresAt!, method: 'sms', maskedPhone: sent.maskedPhone };
    });
  }
  const secret = newTotpSecret();
  const { token, expiresAt } = await issueToken(ctx, staff, 'login_challenge', CHALLENGE_MINUTES, ctx.secrets.seal(secret));
  return {
    next: 'mfa_enroll',
    challenge: token,
    expiresAt: expiresAt!,
    otpauthUri: otpauthUri(secret, ISSUER, staff.email),
    setupKey: formatSetupKey(secret),
    methods: parseMfaMethods(membership.mfa_methods),
  };
}

/**
 * What a challenge enrols, from its sealed payload: the app (the secret on screen), a
 * phone (once a number was given), or nothing (a member with a method set up).
 */
type Enrolment = { method: 'app'; secret: string } | { method: 'sms' } | null;

/** The payload of a challenge that enrols a phone; an app enrolment carries its TOTP secret instead. */
const SMS_ENROLMENT = 'sms-enrolment';

function enrolmentOf(ctx: PlatformContext, row: TokenRow): Enrolment {
  if (!row.payload_sealed) return null;
  const payload = ctx.secrets.open(row.payload_sealed);
  return payload === SMS_ENROLMENT ? { method: 'sms' } : { method: 'app', secret: payload };
}

const CHALLENGE_GONE = 'The sign-in has expired or was already completed; start again.';

/**
 * Enrolling a phone instead of the app: the number is checked and a code texted to it;
 * the challenge then asks for that code (POST /v1/auth/mfa). Giving another number on
 * the same challenge replaces the first (a typo); the send limits of sms-mfa.ts hold.
 */
export async function staffEnrolPhone(ctx: PlatformContext, challenge: string, phone: string): Promise<StaffLoginResult> {
  const row = await liveToken(ctx.db, ctx.clock, 'login_challenge', challenge);
  if (!row?.staff_id) throw new HttpError('unauthenticated', CHALLENGE_GONE);
  if (!enrolmentOf(ctx, row)) {
    throw new HttpError('conflict', 'This sign-in asks for the code of the second factor set up already, not for a phone.', { reason: 'not_enrolling' });
  }
  const staff = await ctx.db.selectFrom('staff').selectAll().where('id', '=', row.staff_id).executeTakeFirstOrThrow();
  if (staff.locked_until && staff.locked_until > ctx.clock.now().toISOString()) throw lockedError(ctx.clock, staff.locked_until);
  return ctx.db.transaction().execute(async (trx) => {
    // First, as it takes the member's row: the code step takes it first too.
    const sent = await startSmsEnrollment(trx, ctx, staffSubject(staff), phone).catch((error: unknown) => {
      throw error instanceof HttpError && error.code === 'validation_failed'
        ? new HttpError('validation_failed', error.message, { fields: [{ field: 'body.phone', message: error.message }] })
        : error;
    });
    const marked = await trx
      .updateTable('tokens')
      .set({ payload_sealed: ctx.secrets.seal(SMS_ENROLMENT) })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    // Rolled back with the text, so nothing is sent for a sign-in that ended meanwhile.
    if (Number(marked.numUpdatedRows) !== 1) throw new HttpError('unauthenticated', CHALLENGE_GONE);
    return { next: 'mfa_code', challenge, expiresAt: row.expires_at!, method: 'sms', maskedPhone: sent.maskedPhone };
  });
}

const BAD_CODE = 'That code is not valid or was already used. Wait for the next code in your authenticator app, or use a recovery code.';
const BAD_ENROLMENT_CODE: Record<SmsCodeRefusal, string> = {
  wrong_code: 'That code is not right. Check the newest text message to this number.',
  used: 'That code was already used. Sign in again to have a new one texted.',
  expired: 'That code has expired. Sign in again to have a new one texted.',
  limited: 'Too many tries for this code. Sign in again to have a new one texted.',
  no_code: 'No code was texted for this sign-in. Sign in again.',
};
const BAD_TEXTED_CODE: Record<SmsCodeRefusal, string> = {
  wrong_code: 'That code is not right. Check the newest text message, or use a recovery code.',
  used: 'That code was already used. Sign in again for a new text message, or use a recovery code.',
  expired: 'That code has expired. Sign in again for a new text message, or use a recovery code.',
  limited: 'Too many tries for this code. Sign in again for a new text message, or use a recovery code.',
  no_code: 'No code was texted for this sign-in. Sign in again, or use a recovery code.',
};

export async function staffSecondFactor(ctx: PlatformContext, challenge: string, code: string, requestId: string): Promise<StaffLoginResult> {
  const row = await liveToken(ctx.db, ctx.clock, 'login_challenge', challenge);
  if (!row?.staff_id) throw new HttpError('unauthenticated', CHALLENGE_GONE);
  await enforceRateLimit(ctx.db, ctx.clock, STAFF_CODE_PER_ACCOUNT, row.staff_id, 'codes for this account');
  const attempts = accountAttempts('staff', row.staff_id);
  // Codes count toward the same lock as passwords, reserved before the check.
  const reservation = await reserveAttempt(ctx.db, ctx.clock, attempts);
  if (reservation.kind === 'locked') throw lockedError(ctx.clock, reservation.until);
  const enrolment = enrolmentOf(ctx, row);
  try {
    if (enrolment?.method === 'sms') return await phoneEnrolmentSignIn(ctx, row, code, requestId);
    return await codeSignIn(ctx, row, code, enrolment, await textedCodeCheck(ctx, row, code), requestId);
  } catch (error) {
    if (!(error instanceof WrongCode)) throw error;
    const { lockedUntil } = await attemptFailed(ctx.db, ctx.clock, attempts);
    throw lockedUntil ? lockedError(ctx.clock, lockedUntil) : new HttpError('unauthenticated', error.message, error.refusal ? { reason: error.refusal } : undefined);
  }
}

type TextedCheck = { ok: true } | { ok: false; reason: SmsCodeRefusal };

/**
 * For a member whose code comes by text: the code checked in a transaction of its own,
 * so a wrong one stays counted against the texted code. Null for app codes and
 * enrollments, and for what is no texted code (a recovery code is checked later).
 */
async function textedCodeCheck(ctx: PlatformContext, row: TokenRow, code: string): Promise<TextedCheck | null> {
  if (row.payload_sealed) return null;
  const staff = await ctx.db.selectFrom('staff').selectAll().where('id', '=', row.staff_id!).executeTakeFirstOrThrow();
  if (staff.mfa_confirmed_at && staff.mfa_secret_enc) return null;
  if (!/^\d{6}$/.test(code.replace(/[\s-]/g, ''))) return { ok: false, reason: 'wrong_code' };
  return verifySignInCode(ctx.db, ctx, staffSubject(staff), code);
}

/** A refused code, with what the member is told; counted toward the lock once its check is over. */
class WrongCode extends Error {
  readonly refusal: SmsCodeRefusal | null;

  constructor(message: string, refusal: SmsCodeRefusal | null = null) {
    super(message);
    this.refusal = refusal;
  }
}

/**
 * The code texted to the phone being enrolled: right, the phone is the member's second
 * factor, recovery codes are issued and the sign-in completes, all in one transaction.
 * A refused code commits its count on the code and ends the transaction there.
 */
async function phoneEnrolmentSignIn(ctx: PlatformContext, row: TokenRow, code: string, requestId: string): Promise<StaffLoginResult> {
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    // The member's row first, in the order the phone step takes it.
    await trx.updateTable('staff').set({ failed_logins: sql<number>`failed_logins` }).where('id', '=', row.staff_id!).execute();
    const staff = await trx.selectFrom('staff').selectAll().where('id', '=', row.staff_id!).executeTakeFirstOrThrow();
    const confirmed = await confirmSmsEnrollment(trx, ctx, staffSubject(staff), code);
    if (!confirmed.ok) return confirmed;
    await trx
      .updateTable('staff')
      .set({ mfa_secret_enc: null, mfa_confirmed_at: ctx.clock.now().toISOString(), mfa_last_step: null })
      .where('id', '=', staff.id)
      .execute();
    const recoveryCodes = await replaceRecoveryCodes(trx, { ...ctx, db: trx }, { staffId: staff.id });
    await auditEnrolment(trx, ctx, row, staff, { method: 'sms', phone: confirmed.maskedPhone }, requestId);
    return { ok: true as const, result: await completeSignIn(trx, ctx, row, staff, recoveryCodes) };
  });
  if (!outcome.ok) throw new WrongCode(BAD_ENROLMENT_CODE[outcome.reason], outcome.reason);
  return outcome.result;
}

/** A member's own enrolment, in the audit log as the member's action. */
async function auditEnrolment(trx: Db, ctx: PlatformContext, row: TokenRow, staff: StaffRow, detail: { method: 'app' } | { method: 'sms'; phone: string }, requestId: string) {
  const org = await trx.selectFrom('organisations').select('name').where('id', '=', staff.org_id).executeTakeFirstOrThrow();
  await recordAudit(trx, ctx, {
    principal: {
      orgId: staff.org_id,
      orgName: org.name,
      role: staff.role as StaffRole,
      tokenId: row.id,
      tokenName: null,
      via: 'session',
      staff: { id: staff.id, email: staff.email, name: staff.name },
    },
    action: 'staff.mfa.enable',
    target: staff.email,
    result: 'ok',
    detail: { ...detail, via: 't1_login' },
    requestId,
  });
}

async function codeSignIn(ctx: PlatformContext, row: TokenRow, code: string, enrolment: Enrolment, texted: TextedCheck | null, requestId: string): Promise<StaffLoginResult> {
  return ctx.db.transaction().execute(async (trx) => {
    const staff = await trx.selectFrom('staff').selectAll().where('id', '=', row.staff_id!).executeTakeFirstOrThrow();
    let recoveryCodes: string[] | null = null;
    if (enrolment?.method === 'app') {
      const step = acceptTotp(enrolment.secret, code, ctx.clock.now(), null);
      if (step === null) throw new WrongCode(BAD_CODE);
      const now = ctx.clock.now().toISOString();
      await trx
        .updateTable('staff')
        .set({ mfa_secret_enc: row.payload_sealed, mfa_confirmed_at: now, mfa_last_step: step })
        .where('id', '=', staff.id)
        .execute();
      recoveryCodes = await replaceRecoveryCodes(trx, { ...ctx, db: trx }, { staffId: staff.id });
      await auditEnrolment(trx, ctx, row, staff, { method: 'app' }, requestId);
    } else if (texted) {
      if (!texted.ok && !(await acceptRecoveryCode(trx, ctx, { kind: 'staff', id: staff.id }, code))) throw new WrongCode(BAD_TEXTED_CODE[texted.reason], texted.reason);
    } else {
      const accepted = await acceptSecondFactor(
        trx,
        ctx,
        { kind: 'staff', id: staff.id, secretSealed: staff.mfa_secret_enc!, lastStep: staff.mfa_last_step === null ? null : Number(staff.mfa_last_step) },
        code,
      );
      if (!accepted) throw new WrongCode(BAD_CODE);
    }
    return completeSignIn(trx, ctx, row, staff, recoveryCodes);
  });
}

/** Marks a sign-in challenge used; only one of parallel requests carrying it gets past. */
async function useChallenge(db: Db, clock: Clock, row: TokenRow): Promise<void> {
  const used = await db.updateTable('tokens').set({ used_at: clock.now().toISOString() }).where('id', '=', row.id).where('used_at', 'is', null).executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) throw new HttpError('unauthenticated', 'This sign-in was already completed; start again.');
}

/** The challenge used up, the run of failures ended and a session issued, in the caller's transaction. */
async function completeSignIn(trx: Db, ctx: PlatformContext, row: TokenRow, staff: StaffRow, recoveryCodes: string[] | null): Promise<StaffLoginResult> {
  await useChallenge(trx, ctx.clock, row);
  // A lock set while the code was checked stands: rolling back keeps the code unspent.
  const settled = await attemptSucceeded(trx, ctx.clock, accountAttempts('staff', staff.id), 'sign_in');
  if (settled.kind === 'locked') throw lockedError(ctx.clock, settled.until);
  await clearRateLimit(trx, STAFF_CODE_PER_ACCOUNT, staff.id);
  return session({ ...ctx, db: trx }, staff, recoveryCodes);
}

export async function revokeSession(ctx: PlatformContext, tokenId: string): Promise<void> {
  await ctx.db
    .updateTable('tokens')
    .set({ revoked_at: ctx.clock.now().toISOString() })
    .where('id', '=', tokenId)
    .where('kind', '=', 'session')
    .execute();
}
