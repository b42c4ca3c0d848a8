// Staff sign-in for t1: email and password, then an authenticator code (or a recovery
// code) when the organisation requires 2FA for staff or the member enrolled. A member
// who must use 2FA and has not enrolled is enrolled on the spot. Guessing is slowed by
// per-account and per-address limits and growing delays; ten failed attempts in a row
// (passwords and codes alike) lock the account for 30 minutes (see attempt-lock.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { StaffLoginResult } from '../../contract/schemas.ts';
import type { StaffRole } from '../../contract/vocabulary.ts';
import { storeToken } from './token-store.ts';
import type { PlatformContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { verifyPasswordOrDummy } from '../passwords.ts';
import type { StaffRow, TokenRow } from '../storage/schema.ts';
import { liveToken } from './link-tokens.ts';
import { acceptSecondFactor, replaceRecoveryCodes } from './mfa.ts';
import { clearRateLimit, enforceRateLimit, type RateLimit } from './rate-limit.ts';
import { accountAttempts, attemptFailed, attemptSucceeded, reserveAttempt, unknownAddressAttempts } from './attempt-lock.ts';
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


function mustUseMfa(policy: string, staff: StaffRow): boolean {
  return policy === 'staff' || policy === 'everyone' || staff.mfa_confirmed_at !== null;
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
// Unknown addresses count their attempts too, so they lock like real accounts.
const UNKNOWN_ADDRESS_COUNTER = 'staff-login-unknown';

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

export async function staffPasswordLogin(ctx: PlatformContext, email: string, password: string, ip: string): Promise<StaffLoginResult> {
  await enforceRateLimit(ctx.db, ctx.clock, STAFF_LOGIN_PER_IP, ip, 'sign-in attempts from this address');
  await enforceRateLimit(ctx.db, ctx.clock, STAFF_LOGIN_PER_ACCOUNT, email, 'sign-in attempts for this account');
  const row = await ctx.db
    .selectFrom('staff')
    .innerJoin('organisations', 'organisations.id', 'staff.org_id')
    .selectAll('staff')
    .select('organisations.mfa_policy')
    .where('staff.email', '=', email)
    .orderBy('staff.created_at')
    .executeTakeFirst();
  const attempts = row ? accountAttempts('staff', row.id) : unknownAddressAttempts(UNKNOWN_ADDRESS_COUNTER, email);
  // Counted before the check: of a burst, only the first ten reach argon2.
  const reservation = await reserveAttempt(ctx.db, ctx.clock, attempts);
  if (reservation.kind === 'locked') throw lockedError(ctx.clock, reservation.until);
  const valid = await verifyPasswordOrDummy(row?.password_hash ?? null, password);
  if (!row || !row.password_hash || !valid) {
    const { lockedUntil } = await attemptFailed(ctx.db, ctx.clock, attempts);
    const delay = ctx.signInDelayMs(reservation.attempt);
    if (delay > 0) await sleep(delay);
    throw lockedUntil ? lockedError(ctx.clock, lockedUntil) : new HttpError('unauthenticated', BAD_CREDENTIALS);
  }
  const { mfa_policy: policy, ...staff } = row;
  // The run ends here unless a code is still to come, which then counts on.
  const settled = await attemptSucceeded(ctx.db, ctx.clock, accountAttempts('staff', staff.id), mustUseMfa(policy, staff) ? 'first_factor' : 'sign_in');
  if (settled.kind === 'locked') throw lockedError(ctx.clock, settled.until);
  await clearRateLimit(ctx.db, STAFF_LOGIN_PER_ACCOUNT, email);
  if (!mustUseMfa(policy, staff)) return session(ctx, staff, null);
  if (staff.mfa_confirmed_at && staff.mfa_secret_enc) {
    const { token, expiresAt } = await issueToken(ctx, staff, 'login_challenge', CHALLENGE_MINUTES);
    return { next: 'mfa_code', challenge: token, expiresAt: expiresAt! };
  }
  const secret = newTotpSecret();
  const { token, expiresAt } = await issueToken(ctx, staff, 'login_challenge', CHALLENGE_MINUTES, ctx.secrets.seal(secret));
  return {
    next: 'mfa_enroll',
    challenge: token,
    expiresAt: expiresAt!,
    otpauthUri: otpauthUri(secret, ISSUER, staff.email),
    setupKey: formatSetupKey(secret),
  };
}

const BAD_CODE = 'That code is not valid or was already used. Wait for the next code in your authenticator app, or use a recovery code.';

export async function staffSecondFactor(ctx: PlatformContext, challenge: string, code: string): Promise<StaffLoginResult> {
  const row = await liveToken(ctx.db, ctx.clock, 'login_challenge', challenge);
  if (!row?.staff_id) {
    throw new HttpError('unauthenticated', 'The sign-in has expired or was already completed; start again.');
  }
  await enforceRateLimit(ctx.db, ctx.clock, STAFF_CODE_PER_ACCOUNT, row.staff_id, 'codes for this account');
  const attempts = accountAttempts('staff', row.staff_id);
  // Codes count toward the same lock as passwords, reserved before the check.
  const reservation = await reserveAttempt(ctx.db, ctx.clock, attempts);
  if (reservation.kind === 'locked') throw lockedError(ctx.clock, reservation.until);
  try {
    return await codeSignIn(ctx, row, code);
  } catch (error) {
    if (!(error instanceof WrongCode)) throw error;
    const { lockedUntil } = await attemptFailed(ctx.db, ctx.clock, attempts);
    throw lockedUntil ? lockedError(ctx.clock, lockedUntil) : new HttpError('unauthenticated', BAD_CODE);
  }
}

/** Thrown inside the transaction so a wrong code changes nothing and is counted after it. */
class WrongCode extends Error {}

async function codeSignIn(ctx: PlatformContext, row: TokenRow, code: string): Promise<StaffLoginResult> {
  return ctx.db.transaction().execute(async (trx) => {
    const staff = await trx.selectFrom('staff').selectAll().where('id', '=', row.staff_id!).executeTakeFirstOrThrow();
    let recoveryCodes: string[] | null = null;
    if (row.payload_sealed) {
      const step = acceptTotp(ctx.secrets.open(row.payload_sealed), code, ctx.clock.now(), null);
      if (step === null) throw new WrongCode();
      const now = ctx.clock.now().toISOString();
      await trx
        .updateTable('staff')
        .set({ mfa_secret_enc: row.payload_sealed, mfa_confirmed_at: now, mfa_last_step: step })
        .where('id', '=', staff.id)
        .execute();
      recoveryCodes = await replaceRecoveryCodes(trx, { ...ctx, db: trx }, { staffId: staff.id });
    } else {
      const accepted = await acceptSecondFactor(
        trx,
        ctx,
        { kind: 'staff', id: staff.id, secretSealed: staff.mfa_secret_enc!, lastStep: staff.mfa_last_step === null ? null : Number(staff.mfa_last_step) },
        code,
      );
      if (!accepted) throw new WrongCode();
    }
    const used = await trx
      .updateTable('tokens')
      .set({ used_at: ctx.clock.now().toISOString() })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) throw new HttpError('unauthenticated', 'This sign-in was already completed; start again.');
    // A lock set while the code was checked stands: rolling back keeps the code unspent.
    const settled = await attemptSucceeded(trx, ctx.clock, accountAttempts('staff', staff.id), 'sign_in');
    if (settled.kind === 'locked') throw lockedError(ctx.clock, settled.until);
    await clearRateLimit(trx, STAFF_CODE_PER_ACCOUNT, staff.id);
    return session({ ...ctx, db: trx }, staff, recoveryCodes);
  });
}

export async function revokeSession(ctx: PlatformContext, tokenId: string): Promise<void> {
  await ctx.db
    .updateTable('tokens')
    .set({ revoked_at: ctx.clock.now().toISOString() })
    .where('id', '=', tokenId)
    .where('kind', '=', 'session')
    .execute();
}
