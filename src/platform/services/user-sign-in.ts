// Attendee sign-in on an event's site: email and password, then a 2FA code when the
// organisation requires it for everyone or the person enrolled. Failed passwords slow
// down and, ten failed attempts in a row (passwords and codes alike), lock the account
// until it expires or an agent unlocks it (see attempt-lock.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlatformContext } from '../context.ts';
import { verifyPasswordOrDummy } from '../passwords.ts';
import type { EventRow, TokenRow, UserRow } from '../storage/schema.ts';
import type { Db } from '../storage/database.ts';
import { liveToken } from './link-tokens.ts';
import { acceptSecondFactor, startEnrollment } from './mfa.ts';
import { clearRateLimit, enforceRateLimit, type RateLimit } from './rate-limit.ts';
import { accountAttempts, attemptFailed, attemptSucceeded, reserveAttempt, unknownAddressAttempts, type AttemptSubject } from './attempt-lock.ts';
import { organisationOf } from './registration-state.ts';
import { startWebSession } from './web-session.ts';
import { storeToken } from './token-store.ts';
import type { ActivityReason } from '../../contract/activity.ts';
import { emailLookupKey } from '../../contract/email-address.ts';
import { noteRateLimited, recordActivity } from '../activity/record.ts';
import { acceptTotp } from './totp.ts';
import { hashRecoveryCode, recoveryCodesLeft } from './recovery-codes.ts';
import { sendSignInCode, smsMethod, verifySignInCode, type SmsCodeRefusal, type SmsSubject } from './sms-mfa.ts';

const CHALLENGE_MINUTES = 10;

export const SIGN_IN_PER_IP: RateLimit = { name: 'sign-in-ip', max: 60, windowSeconds: 15 * 60 };
export const SIGN_IN_PER_ACCOUNT: RateLimit = { name: 'sign-in-account', max: 30, windowSeconds: 15 * 60 };
export const CODE_PER_ACCOUNT: RateLimit = { name: 'sign-in-code-account', max: 5, windowSeconds: 5 * 60 };


export type SignInOutcome =
  | { kind: 'invalid' }
  | { kind: 'locked'; until: string }
  | { kind: 'not_registered' }
  | { kind: 'shut_out' }
  | { kind: 'unverified' }
  | { kind: 'mfa_code'; challenge: string }
  | { kind: 'mfa_enroll'; enrollmentPath: string }
  | { kind: 'signed_in'; session: string };

async function startChallenge(ctx: PlatformContext, user: UserRow, event: EventRow): Promise<string> {
  const { token } = await storeToken(ctx.db, ctx, {
    kind: 'login_challenge',
    idPrefix: 'chl',
    orgId: user.org_id,
    userId: user.id,
    eventId: event.id,
    minutes: CHALLENGE_MINUTES,
    createdBy: 'sign-in',
  });
  return token;
}

// Unknown addresses count their attempts too, so the delays and the lock look the same
// whether or not an account exists.
const UNKNOWN_ADDRESS_COUNTER = 'sign-in-unknown';

function attemptsOf(user: UserRow | undefined, email: string): AttemptSubject {
  return user ? accountAttempts('users', user.id) : unknownAddressAttempts(UNKNOWN_ADDRESS_COUNTER, email);
}

function noteSignInFailure(ctx: PlatformContext, input: { user: UserRow | undefined; email: string; event: EventRow; reason: ActivityReason; detail?: Record<string, number | string> }) {
  return recordActivity(ctx.db, ctx, {
    orgId: input.event.org_id,
    userId: input.user?.id ?? null,
    email: input.user ? null : input.email,
    eventId: input.event.id,
    kind: 'sign_in.failed',
    outcome: 'refused',
    reason: input.reason,
    detail: input.detail,
  });
}

type Person = { orgId: string; userId: string | null; eventId: string | null };

function noteLocked(ctx: PlatformContext, person: Person, failures: number, until: string) {
  return recordActivity(ctx.db, ctx, { ...person, kind: 'account.locked', detail: { failures, until } });
}

/**
 * An attempt refused because the account is locked: refused before its check (`attempt`
 * its place in the run, `lockedNow` when it set the lock), or a success that came too late.
 */
async function refuseLocked(
  ctx: PlatformContext,
  input: { user: UserRow | undefined; email: string; event: EventRow; until: string; attempt?: number; lockedNow?: boolean },
): Promise<SignInOutcome> {
  const { user, email, event, until } = input;
  if (!user) {
    // An address nobody has: recorded as its earlier attempts were, with the run count.
    await noteSignInFailure(ctx, { user, email, event, reason: 'unknown_address', detail: { failures: input.attempt ?? 0 } });
  } else {
    if (input.lockedNow) await noteLocked(ctx, { orgId: event.org_id, userId: user.id, eventId: event.id }, input.attempt ?? 0, until);
    await noteSignInFailure(ctx, { user, email, event, reason: 'locked', detail: { until } });
  }
  return { kind: 'locked', until };
}

async function slowDown(ctx: PlatformContext, failures: number): Promise<void> {
  const delay = ctx.signInDelayMs(failures);
  if (delay > 0) await sleep(delay);
}

const REFUSED_AFTER_FIRST_FACTOR: Partial<Record<SignInOutcome['kind'], ActivityReason>> = {
  not_registered: 'not_registered',
  shut_out: 'blocked',
  unverified: 'unverified',
};

/** Records how a sign-in ended once the first factor was settled (password or login link). */
export async function noteSignInOutcome(ctx: PlatformContext, user: UserRow, event: EventRow, outcome: SignInOutcome, method: 'password' | 'login_link'): Promise<void> {
  const reason = REFUSED_AFTER_FIRST_FACTOR[outcome.kind];
  if (reason) await noteSignInFailure(ctx, { user, email: user.email, event, reason, detail: { method } });
  if (outcome.kind === 'signed_in') {
    await recordActivity(ctx.db, ctx, { orgId: event.org_id, userId: user.id, eventId: event.id, kind: 'sign_in.succeeded', detail: { method } });
  }
}

export async function passwordSignIn(
  ctx: PlatformContext,
  input: { event: EventRow; email: string; password: string; ip: string },
): Promise<SignInOutcome> {
  const email = emailLookupKey(input.email);
  const { event } = input;
  const limited = { orgId: event.org_id, email, eventId: event.id, kind: 'sign_in.failed' as const };
  await noteRateLimited(ctx.db, ctx, limited, () => enforceRateLimit(ctx.db, ctx.clock, SIGN_IN_PER_IP, input.ip, 'sign-in attempts from this address'));
  await noteRateLimited(ctx.db, ctx, limited, () => enforceRateLimit(ctx.db, ctx.clock, SIGN_IN_PER_ACCOUNT, email, 'sign-in attempts for this account'));
  const user = await ctx.db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', event.org_id)
    .where('email', '=', email)
    .executeTakeFirst();
  const attempts = attemptsOf(user, email);
  // Counted before the check: of a burst, only the first ten reach argon2. Unknown
  // addresses are counted and checked (against a dummy hash) the same way.
  const reservation = await reserveAttempt(ctx.db, ctx.clock, attempts);
  if (reservation.kind === 'locked') {
    return refuseLocked(ctx, { user, email, event, until: reservation.until, attempt: reservation.attempt, lockedNow: reservation.lockedNow });
  }
  const valid = await verifyPasswordOrDummy(user?.password_hash ?? null, input.password);
  if (!user || !user.password_hash || !valid) {
    const failures = reservation.attempt;
    const { lockedUntil, lockedNow, run } = await attemptFailed(ctx.db, ctx.clock, attempts);
    const reason: ActivityReason = !user ? 'unknown_address' : !user.password_hash ? 'no_password' : 'wrong_password';
    await noteSignInFailure(ctx, { user, email, event, reason, detail: { failures } });
    if (lockedNow && user) await noteLocked(ctx, { orgId: event.org_id, userId: user.id, eventId: event.id }, run, lockedUntil!);
    await slowDown(ctx, failures);
    return lockedUntil ? { kind: 'locked', until: lockedUntil } : { kind: 'invalid' };
  }
  // The run ends here unless a code is still to come, which then counts on.
  const settled = await attemptSucceeded(ctx.db, ctx.clock, accountAttempts('users', user.id), (await hasSecondFactor(ctx, user)) ? 'first_factor' : 'sign_in');
  if (settled.kind === 'locked') return refuseLocked(ctx, { user, email, event, until: settled.until });
  await clearRateLimit(ctx.db, SIGN_IN_PER_ACCOUNT, email);
  const outcome = await afterFirstFactor(ctx, user, event);
  await noteSignInOutcome(ctx, user, event, outcome, 'password');
  return outcome;
}

async function hasSecondFactor(ctx: PlatformContext, user: UserRow): Promise<boolean> {
  if (user.mfa_confirmed_at !== null && user.mfa_secret_enc !== null) return true;
  return (await smsMethod(ctx.db, smsSubjectOf(user.id, user.org_id))) !== null;
}

function smsSubjectOf(userId: string, orgId: string): SmsSubject {
  return { kind: 'user', id: userId, orgId };
}

/** How the person behind a challenge gives their code: from an app, or texted to their phone. */
export async function challengeMethod(ctx: PlatformContext, row: TokenRow): Promise<{ method: 'app' } | { method: 'sms'; maskedPhone: string }> {
  const user = await ctx.db.selectFrom('users').select('mfa_secret_enc').where('id', '=', row.user_id!).executeTakeFirst();
  if (user?.mfa_secret_enc) return { method: 'app' };
  const sms = await smsMethod(ctx.db, smsSubjectOf(row.user_id!, row.org_id));
  return sms ? { method: 'sms', maskedPhone: sms.maskedPhone } : { method: 'app' };
}

/**
 * Texts the sign-in code of a challenge whose person uses SMS. `whenOpened` sends only
 * the first time the code step opens, so a reload or a second tab sends nothing more;
 * otherwise (the person asked for a new code) it always sends. Null when nothing was sent.
 */
export async function textSignInCode(ctx: PlatformContext, row: TokenRow, whenOpened: boolean): Promise<{ maskedPhone: string; expiresAt: string } | null> {
  return ctx.db.transaction().execute(async (trx) => {
    if (whenOpened) {
      const claimed = await trx
        .updateTable('tokens')
        .set({ last_used_at: ctx.clock.now().toISOString() })
        .where('id', '=', row.id)
        .where('last_used_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return null;
    }
    return sendSignInCode(trx, { ...ctx, db: trx }, smsSubjectOf(row.user_id!, row.org_id));
  });
}

/** Checks that apply however the first factor was given (password or login link). */
export async function afterFirstFactor(ctx: PlatformContext, user: UserRow, event: EventRow): Promise<SignInOutcome> {
  const registration = await ctx.db
    .selectFrom('registrations')
    .selectAll()
    .where('user_id', '=', user.id)
    .where('event_id', '=', event.id)
    .executeTakeFirst();
  if (!registration) return { kind: 'not_registered' };
  if (user.blocked === 1 || registration.status === 'blocked' || registration.status === 'unregistered') return { kind: 'shut_out' };
  if (event.verify_email === 1 && user.email_verified_at === null) return { kind: 'unverified' };
  const org = await organisationOf(ctx.db, user.org_id);
  if (await hasSecondFactor(ctx, user)) return { kind: 'mfa_code', challenge: await startChallenge(ctx, user, event) };
  if (org.mfa_policy === 'everyone' || user.mfa_enrollment_required === 1) {
    const link = await ctx.db.transaction().execute((trx) =>
      startEnrollment(trx, { ...ctx, db: trx }, { orgName: org.name, user, send: false, createdBy: 'sign-in' }),
    );
    return { kind: 'mfa_enroll', enrollmentPath: new URL(link.url!).pathname };
  }
  return { kind: 'signed_in', session: await startWebSession(ctx.db, ctx, user, event.id) };
}

export type CodeOutcome =
  | { kind: 'expired' }
  | { kind: 'invalid'; textedCode?: SmsCodeRefusal }
  | { kind: 'locked'; until: string }
  | { kind: 'signed_in'; session: string; method: 'code' | 'recovery_code' };

const TEXTED_CODE_REASONS: Record<SmsCodeRefusal, ActivityReason> = {
  wrong_code: 'code_wrong',
  no_code: 'code_wrong',
  used: 'code_replayed',
  expired: 'code_expired',
  limited: 'rate_limited',
};

export async function challengeRow(ctx: PlatformContext, challenge: string | undefined): Promise<TokenRow | null> {
  if (!challenge) return null;
  const row = await liveToken(ctx.db, ctx.clock, 'login_challenge', challenge);
  return row?.user_id ? row : null;
}

export async function secondFactorSignIn(ctx: PlatformContext, challenge: string | undefined, code: string): Promise<CodeOutcome> {
  const row = await challengeRow(ctx, challenge);
  if (!row) return { kind: 'expired' };
  const about = { orgId: row.org_id, userId: row.user_id, eventId: row.event_id };
  await noteRateLimited(ctx.db, ctx, { ...about, kind: 'sign_in.failed' }, () =>
    enforceRateLimit(ctx.db, ctx.clock, CODE_PER_ACCOUNT, row.user_id!, 'codes for this account'),
  );
  const attempts = accountAttempts('users', row.user_id!);
  // Codes count toward the same lock as passwords, reserved before the check.
  const reservation = await reserveAttempt(ctx.db, ctx.clock, attempts);
  if (reservation.kind === 'locked') {
    if (reservation.lockedNow) await noteLocked(ctx, about, reservation.attempt, reservation.until);
    return codeRefusedLocked(ctx, about, reservation.until);
  }
  // A texted code is checked in a transaction of its own that commits even when the code
  // is wrong: its attempts count against the code, the account and the number.
  const texted =
    (await challengeMethod(ctx, row)).method === 'sms' && /^\s*\d{3}[\s-]?\d{3}\s*$/.test(code)
      ? await verifySignInCode(ctx.db, ctx, smsSubjectOf(row.user_id!, row.org_id), code)
      : null;
  const outcome = await checkSecondFactor(ctx, row, code, texted);
  if (outcome.kind === 'locked') return codeRefusedLocked(ctx, about, outcome.until);
  if (outcome.kind === 'signed_in') {
    await recordActivity(ctx.db, ctx, { ...about, kind: 'sign_in.succeeded', detail: { method: outcome.method } });
    if (outcome.method === 'recovery_code') {
      const left = await recoveryCodesLeft(ctx.db, row.user_id!);
      await recordActivity(ctx.db, ctx, { ...about, kind: 'mfa.recovery_code_used', detail: { left } });
    }
  } else if (outcome.kind === 'invalid') {
    const failures = reservation.attempt;
    const { lockedUntil, lockedNow, run } = await attemptFailed(ctx.db, ctx.clock, attempts);
    const user = await ctx.db.selectFrom('users').select('mfa_secret_enc').where('id', '=', row.user_id!).executeTakeFirst();
    // A code that is right for the time but of a step already used was replayed.
    const replayed = user?.mfa_secret_enc ? acceptTotp(ctx.secrets.open(user.mfa_secret_enc), code, ctx.clock.now(), null) !== null : false;
    const reason: ActivityReason = texted && !texted.ok ? TEXTED_CODE_REASONS[texted.reason] : replayed ? 'code_replayed' : 'code_wrong';
    await recordActivity(ctx.db, ctx, { ...about, kind: 'sign_in.failed', outcome: 'refused', reason, detail: { method: texted ? 'sms' : 'code', failures } });
    if (texted && !texted.ok) outcome.textedCode = texted.reason;
    if (lockedNow) await noteLocked(ctx, about, run, lockedUntil!);
    if (lockedUntil) return { kind: 'locked', until: lockedUntil };
  }
  return outcome;
}

async function codeRefusedLocked(ctx: PlatformContext, person: Person, until: string): Promise<CodeOutcome> {
  await recordActivity(ctx.db, ctx, { ...person, kind: 'sign_in.failed', outcome: 'refused', reason: 'locked', detail: { method: 'code', until } });
  return { kind: 'locked', until };
}

async function checkSecondFactor(ctx: PlatformContext, row: TokenRow, code: string, texted: { ok: boolean } | null): Promise<CodeOutcome> {
  try {
    return await ctx.db.transaction().execute(async (trx): Promise<CodeOutcome> => {
      // The challenge is used up first: of two concurrent attempts only one goes on, and
      // a wrong code rolls it back (with nothing spent) for another try.
      const used = await trx
        .updateTable('tokens')
        .set({ used_at: ctx.clock.now().toISOString() })
        .where('id', '=', row.id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) return { kind: 'expired' };
      const user = await trx.selectFrom('users').selectAll().where('id', '=', row.user_id!).executeTakeFirstOrThrow();
      const method = user.mfa_secret_enc
        ? await acceptSecondFactor(
            trx,
            ctx,
            { kind: 'user', id: user.id, secretSealed: user.mfa_secret_enc, lastStep: user.mfa_last_step === null ? null : Number(user.mfa_last_step) },
            code,
          )
        : await acceptTextedOrRecoveryCode(trx, ctx, user, code, texted);
      if (!method) throw new WrongCode();
      // A lock set while the code was checked stands: rolling back keeps the code unspent.
      const settled = await attemptSucceeded(trx, ctx.clock, accountAttempts('users', user.id), 'sign_in');
      if (settled.kind === 'locked') throw new LockedMeanwhile(settled.until);
      await clearRateLimit(trx, CODE_PER_ACCOUNT, user.id);
      return { kind: 'signed_in', session: await startWebSession(trx, ctx, user, row.event_id), method };
    });
  } catch (error) {
    if (error instanceof WrongCode) return { kind: 'invalid' };
    if (error instanceof SecondFactorGone) return { kind: 'expired' };
    if (error instanceof LockedMeanwhile) return { kind: 'locked', until: error.until };
    throw error;
  }
}

/** The second factor of a person who uses SMS: the texted code (checked before), or a recovery code. */
async function acceptTextedOrRecoveryCode(trx: Db, ctx: PlatformContext, user: UserRow, code: string, texted: { ok: boolean } | null): Promise<'code' | 'recovery_code' | null> {
  if (texted?.ok) return 'code';
  if (!(await smsMethod(trx, smsSubjectOf(user.id, user.org_id)))) throw new SecondFactorGone();
  const used = await trx
    .updateTable('recovery_codes')
    .set({ used_at: ctx.clock.now().toISOString() })
    .where('user_id', '=', user.id)
    .where('hash', '=', hashRecoveryCode(code))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1 ? 'recovery_code' : null;
}

/** Thrown inside the transaction when the person no longer has a second factor: the step is over. */
class SecondFactorGone extends Error {}

/** Thrown inside the transaction so a wrong code leaves the challenge unused. */
class WrongCode extends Error {}

/** Thrown inside the transaction when a right code meets a lock that came into force meanwhile. */
class LockedMeanwhile extends Error {
  readonly until: string;
  constructor(until: string) {
    super('locked');
    this.until = until;
  }
}
