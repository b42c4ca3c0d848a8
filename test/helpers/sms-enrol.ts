// Gives a person text-message codes the way the account page does: the number, the code
// texted to it, then SMS as their second factor. The code is read from the captured
// message (its sealed body), as the person's phone would show it, unless `readCode` is
// given (a gateway that received the text, for example).
import { randomBytes } from 'node:crypto';
import type { PlatformContext } from '../../src/platform/context.ts';
import { confirmSmsEnrollment, startSmsEnrollment, type SmsSubject } from '../../src/platform/services/sms-mfa.ts';
import type { Db } from '../../src/platform/storage/database.ts';

/** A UK mobile number of its own for each call, so per-number limits never meet across tests. */
export function ukMobile(): string {
  return `+44 7911 1${String(randomBytes(3).readUIntBE(0, 3) % 100_000).padStart(5, '0')}`;
}

/** The code in the newest text to the person, from its sealed body. */
export async function capturedCode(db: Db, ctx: PlatformContext, userId: string): Promise<string> {
  const row = await db.selectFrom('sms_messages').select('body_sealed').where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow();
  return /\b(\d{6})\b/.exec(ctx.secrets.open(row.body_sealed!))![1]!;
}

export async function userSubject(ctx: PlatformContext, email: string): Promise<SmsSubject> {
  const user = await ctx.db.selectFrom('users').select(['id', 'org_id']).where('email', '=', email).executeTakeFirstOrThrow();
  return { kind: 'user', id: user.id, orgId: user.org_id };
}

/** Turns text messages on as the person's 2FA; returns the number used. */
export async function enrolPhone(ctx: PlatformContext, subject: SmsSubject, options: { phone?: string; readCode?: () => Promise<string> } = {}): Promise<string> {
  const phone = options.phone ?? ukMobile();
  await ctx.db.transaction().execute((trx) => startSmsEnrollment(trx, ctx, subject, phone));
  const code = options.readCode ? await options.readCode() : await capturedCode(ctx.db, ctx, subject.id);
  const confirmed = await ctx.db.transaction().execute((trx) => confirmSmsEnrollment(trx, ctx, subject, code));
  if (!confirmed.ok) throw new Error(`The phone was refused: ${confirmed.reason}`);
  await ctx.db.updateTable('users').set({ mfa_confirmed_at: ctx.clock.now().toISOString() }).where('id', '=', subject.id).execute();
  return phone;
}
