// Signed-in attendees: an opaque session token in an HttpOnly cookie, stored hashed.
import { hashToken } from '../clock.ts';
import type { PlatformContext } from '../context.ts';
import type { Db } from '../storage/database.ts';
import type { UserRow } from '../storage/schema.ts';

export const WEB_SESSION_HOURS = 12;

export async function startWebSession(trx: Db, ctx: PlatformContext, user: UserRow, eventId: string | null): Promise<string> {
  const token = ctx.tokens.secret();
  const now = ctx.clock.now();
  await trx
    .insertInto('tokens')
    .values({
      id: `ses_${ctx.tokens.id()}`,
      kind: 'session',
      hash: hashToken(token),
      org_id: user.org_id,
      user_id: user.id,
      staff_id: null,
      event_id: eventId,
      role: null,
      name: null,
      expires_at: new Date(now.getTime() + WEB_SESSION_HOURS * 3_600_000).toISOString(),
      used_at: null,
      revoked_at: null,
      created_by: 'sign-in',
      created_at: now.toISOString(),
      last_used_at: null,
    })
    .execute();
  return token;
}

/** The signed-in person behind a session cookie, if the session is still good. */
export async function sessionUser(db: Db, ctx: PlatformContext, token: string | undefined): Promise<UserRow | null> {
  if (!token) return null;
  const row = await db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .selectAll('users')
    .where('tokens.hash', '=', hashToken(token))
    .where('tokens.kind', '=', 'session')
    .where('tokens.revoked_at', 'is', null)
    .where('tokens.expires_at', '>', ctx.clock.now().toISOString())
    .executeTakeFirst();
  return row ?? null;
}

export async function endWebSession(db: Db, ctx: PlatformContext, token: string | undefined): Promise<void> {
  if (!token) return;
  await db
    .updateTable('tokens')
    .set({ revoked_at: ctx.clock.now().toISOString() })
    .where('hash', '=', hashToken(token))
    .where('kind', '=', 'session')
    .where('staff_id', 'is', null)
    .execute();
}
