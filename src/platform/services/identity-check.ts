// Identity checks before removing someone's 2FA: the platform emails the person a
// one-time code, the person reads it back to the agent, and the agent records it. A
// confirmed code is the evidence `mfa reset` accepts for a while afterwards.
//
// The code lives 10 minutes, a new one replaces the older, and it dies after 5 wrong
// tries. Only a hash is stored: SHA-256 of the code and a random salt that is kept
// sealed with the platform's secret key, so a copy of the database alone does not let
// anyone try the few million codes offline. The plain code is in the email only.
import { timingSafeEqual } from 'node:crypto';
import type { IdentityCheckResult, IdentityCodeResult } from '../../contract/schemas.ts';
import { hashToken, SECRET_RANDOM_CHARS } from '../clock.ts';
import type { PlatformContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import type { Db } from '../storage/database.ts';
import type { TokenRow, UserRow } from '../storage/schema.ts';
import { notifyPerson } from './notify.ts';
import { hitRateLimit, type RateLimit } from './rate-limit.ts';
import { storeToken } from './token-store.ts';

export const IDENTITY_CODE_KIND = 'identity_code';
export const IDENTITY_CODE_MINUTES = 10;
export const IDENTITY_CODE_DIGITS = 6;
export const IDENTITY_CODE_MAX_TRIES = 5;
/** How long a confirmed code counts as evidence for `mfa reset`. */
export const IDENTITY_CHECK_VALID_MINUTES = 30;

// One counter per code (the key names the token), kept longer than the code lives so
// the count never starts again while it could still be used.
const TRIES: RateLimit = { name: 'identity_code_tries', max: IDENTITY_CODE_MAX_TRIES, windowSeconds: 24 * 60 * 60 };

/** A code of IDENTITY_CODE_DIGITS digits from the token generator's CSPRNG secret. */
function newCode(ctx: PlatformContext): string {
  const bytes = Buffer.from(ctx.tokens.secret().slice(-SECRET_RANDOM_CHARS), 'base64url');
  if (bytes.length < 16) throw new Error('The token generator gave fewer than 128 bits.');
  // 128+ bits reduced modulo 10^6: the bias is far below anything measurable.
  const value = BigInt(`0x${bytes.toString('hex')}`) % 10n ** BigInt(IDENTITY_CODE_DIGITS);
  return value.toString().padStart(IDENTITY_CODE_DIGITS, '0');
}

function codeHash(code: string, salt: string): string {
  return hashToken(`${code}.${salt}`);
}

/** People read codes back with spaces or dashes; only the digits count. */
export function normaliseCode(text: string): string {
  return text.replace(/[\s-]/g, '');
}

/** Emails the person a new code; an older unused one stops working. */
export async function sendIdentityCode(trx: Db, ctx: PlatformContext, input: { orgName: string; user: UserRow; createdBy: string }): Promise<IdentityCodeResult> {
  const now = ctx.clock.now().toISOString();
  const replaced = await trx
    .updateTable('tokens')
    .set({ revoked_at: now })
    .where('user_id', '=', input.user.id)
    .where('kind', '=', IDENTITY_CODE_KIND)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  const code = newCode(ctx);
  const salt = ctx.tokens.secret();
  const stored = await storeToken(
    trx,
    ctx,
    {
      kind: IDENTITY_CODE_KIND,
      idPrefix: 'idc',
      orgId: input.user.org_id,
      userId: input.user.id,
      minutes: IDENTITY_CODE_MINUTES,
      createdBy: input.createdBy,
      payloadSealed: ctx.secrets.seal(salt),
      cause: ctx.origin.cause,
      digest: codeHash(code, salt),
    },
  );
  const email = await notifyPerson(trx, ctx, {
    orgName: input.orgName,
    user: input.user,
    event: null,
    template: 'identity_code',
    code,
    expiresAt: stored.expiresAt!,
  });
  return { email, expiresAt: stored.expiresAt!, replacedOlder: Number(replaced.numUpdatedRows) > 0 };
}

export interface CheckedCode {
  /** The answer to the caller, and the refusal when the code was not right. */
  result: IdentityCheckResult;
  refusal?: HttpError;
}

/**
 * Checks a code the person read back. Every try is counted in the database before the
 * code is compared, so parallel tries cannot get more than IDENTITY_CODE_MAX_TRIES
 * comparisons; the caller must commit the count even when the answer is a refusal.
 */
export async function checkIdentityCode(trx: Db, ctx: PlatformContext, user: UserRow, typed: string): Promise<CheckedCode> {
  const now = ctx.clock.now().toISOString();
  const live = await trx
    .selectFrom('tokens')
    .selectAll()
    .where('user_id', '=', user.id)
    .where('kind', '=', IDENTITY_CODE_KIND)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (!live) return refused(user, 0, noCode(user, await lastCode(trx, user.id), now));
  if (live.expires_at !== null && live.expires_at <= now) {
    return refused(user, 0, new HttpError('conflict', `The code sent to ${user.email} has expired (codes last ${IDENTITY_CODE_MINUTES} minutes); send a new one.`, { reason: 'code_expired' }));
  }
  const tries = await hitRateLimit(trx, ctx.clock, TRIES, live.id);
  if (!tries.allowed) {
    await revoke(trx, live, now);
    return refused(user, 0, tooManyTries(user));
  }
  const left = IDENTITY_CODE_MAX_TRIES - tries.hits;
  if (!matches(ctx, live, normaliseCode(typed))) {
    // The last allowed try was wrong: the code is dead.
    if (left === 0) await revoke(trx, live, now);
    const message =
      left === 0
        ? `That is not the code sent to ${user.email}, and it was the last try: the code no longer works. Send a new one.`
        : `That is not the code sent to ${user.email}; ${left} ${left === 1 ? 'try' : 'tries'} left.`;
    return refused(user, left, new HttpError('conflict', message, { reason: 'wrong_code', triesLeft: left }));
  }
  // Used once: the conditional update lets only one of two parallel right answers win.
  const consumed = await trx
    .updateTable('tokens')
    .set({ used_at: now, last_used_at: now })
    .where('id', '=', live.id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(consumed.numUpdatedRows) !== 1) return refused(user, 0, noCode(user, undefined, now));
  const validUntil = new Date(ctx.clock.now().getTime() + IDENTITY_CHECK_VALID_MINUTES * 60_000).toISOString();
  return { result: { email: user.email, verified: true, triesLeft: left, checkedAt: now, validUntil } };
}

/** When the person last confirmed a code, if that still counts as evidence now. */
export async function freshIdentityCheck(db: Db, ctx: PlatformContext, userId: string): Promise<{ checkedAt: string; validUntil: string } | null> {
  const since = new Date(ctx.clock.now().getTime() - IDENTITY_CHECK_VALID_MINUTES * 60_000).toISOString();
  const row = await db
    .selectFrom('tokens')
    .select(['used_at'])
    .where('user_id', '=', userId)
    .where('kind', '=', IDENTITY_CODE_KIND)
    .where('used_at', 'is not', null)
    .where('used_at', '>', since)
    .orderBy('used_at', 'desc')
    .executeTakeFirst();
  if (!row?.used_at) return null;
  return { checkedAt: row.used_at, validUntil: new Date(new Date(row.used_at).getTime() + IDENTITY_CHECK_VALID_MINUTES * 60_000).toISOString() };
}

function matches(ctx: PlatformContext, token: TokenRow, code: string): boolean {
  if (!/^\d{4,12}$/.test(code) || !token.payload_sealed) return false;
  const expected = Buffer.from(token.hash, 'hex');
  const actual = Buffer.from(codeHash(code, ctx.secrets.open(token.payload_sealed)), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

async function revoke(trx: Db, token: TokenRow, now: string): Promise<void> {
  await trx.updateTable('tokens').set({ revoked_at: now }).where('id', '=', token.id).where('revoked_at', 'is', null).execute();
}

async function lastCode(trx: Db, userId: string): Promise<TokenRow | undefined> {
  return trx.selectFrom('tokens').selectAll().where('user_id', '=', userId).where('kind', '=', IDENTITY_CODE_KIND).orderBy('created_at', 'desc').executeTakeFirst();
}

function noCode(user: UserRow, last: TokenRow | undefined, now: string): HttpError {
  if (last?.used_at) return new HttpError('conflict', `The code sent to ${user.email} was already confirmed; send a new one to check again.`, { reason: 'code_used' });
  if (last?.revoked_at && last.revoked_at <= now) return tooManyTriesOrReplaced(user);
  return new HttpError('conflict', `No code was sent to ${user.email}; send one first with "t1 identity send-code".`, { reason: 'no_code' });
}

function tooManyTriesOrReplaced(user: UserRow): HttpError {
  return new HttpError('conflict', `The last code sent to ${user.email} no longer works (too many wrong tries); send a new one.`, { reason: 'code_dead' });
}

function tooManyTries(user: UserRow): HttpError {
  return new HttpError('conflict', `The code sent to ${user.email} had ${IDENTITY_CODE_MAX_TRIES} wrong tries and no longer works; send a new one.`, { reason: 'code_dead' });
}

function refused(user: UserRow, triesLeft: number, refusal: HttpError): CheckedCode {
  return { result: { email: user.email, verified: false, triesLeft, checkedAt: null, validUntil: null }, refusal };
}
