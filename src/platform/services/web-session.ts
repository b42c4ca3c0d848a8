// Signed-in attendees: an opaque session token in an HttpOnly cookie, stored hashed.
import { tokenKeys } from '../clock.ts';
import type { PlatformContext } from '../context.ts';
import type { Db } from '../storage/database.ts';
import type { UserRow } from '../storage/schema.ts';
import { storeToken } from './token-store.ts';

export const WEB_SESSION_HOURS = 12;

export async function startWebSession(trx: Db, ctx: PlatformContext, user: UserRow, eventId: string | null): Promise<string> {
  const { token } = await storeToken(trx, ctx, {
    kind: 'session',
    idPrefix: 'ses',
    orgId: user.org_id,
    userId: user.id,
    eventId,
    minutes: WEB_SESSION_HOURS * 60,
    createdBy: 'sign-in',
  });
  return token;
}

/** The signed-in person behind a session cookie, if the session is still good. */
export async function sessionUser(db: Db, ctx: PlatformContext, token: string | undefined): Promise<UserRow | null> {
  if (!token) return null;
  const row = await db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .selectAll('users')
    .where('tokens.hash', 'in', tokenKeys(token))
    .where('tokens.kind', '=', 'session')
    .where('tokens.revoked_at', 'is', null)
    .where('tokens.expires_at', '>', ctx.clock.now().toISOString())
    .executeTakeFirst();
  return row ?? null;
}

/** Signs a person out everywhere, e.g. after their password or 2FA changed. */
export async function endAllWebSessions(db: Db, ctx: PlatformContext, userId: string): Promise<void> {
  await db
    .updateTable('tokens')
    .set({ revoked_at: ctx.clock.now().toISOString() })
    .where('user_id', '=', userId)
    .where('kind', 'in', ['session', 'login_challenge'])
    .where('revoked_at', 'is', null)
    .execute();
}

export async function endWebSession(db: Db, ctx: PlatformContext, token: string | undefined): Promise<void> {
  if (!token) return;
  await db
    .updateTable('tokens')
    .set({ revoked_at: ctx.clock.now().toISOString() })
    .where('hash', 'in', tokenKeys(token))
    .where('kind', '=', 'session')
    .where('staff_id', 'is', null)
    .execute();
}
