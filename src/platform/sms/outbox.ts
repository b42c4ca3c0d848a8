// The SMS outbox: a flow writes its message in the same transaction as its change (a code
// goes out only if the change commits), and delivery (delivery.ts) sends it afterwards.
// The number and the body are sealed; agents see the masked number, purpose and status.
import { sql } from 'kysely';
import { z } from 'zod';
import type { Page } from '../../contract/schemas.ts';
import type { SmsLogEntry, SmsMessagePurpose, SmsMessageStatus } from '../../contract/sms.ts';
import type { PlatformContext } from '../context.ts';
import { decodeCursor, encodeCursor } from '../services/cursor.ts';
import type { Db } from '../storage/database.ts';

export interface EnqueueSmsInput {
  orgId: string;
  userId: string | null;
  staffId: string | null;
  purpose: SmsMessagePurpose;
  e164: string;
  maskedPhone: string;
  phoneHash: string;
  body: string;
  /** After this the message is not worth sending (its code has expired). */
  expiresAt: string;
}

/** `db` may be a transaction, so the message commits or rolls back with the flow. */
export async function enqueueSms(db: Db, ctx: PlatformContext, input: EnqueueSmsInput): Promise<{ id: string; status: 'queued' | 'captured' }> {
  const id = `sms_${ctx.tokens.id()}`;
  const now = ctx.clock.now().toISOString();
  const status = ctx.sms?.deliveryEnabled ? 'queued' : 'captured';
  await db
    .insertInto('sms_messages')
    .values({
      id,
      org_id: input.orgId,
      user_id: input.userId,
      staff_id: input.staffId,
      purpose: input.purpose,
      masked_phone: input.maskedPhone,
      phone_hash: input.phoneHash,
      to_sealed: ctx.secrets.seal(input.e164),
      body_sealed: ctx.secrets.seal(input.body),
      status,
      last_error: null,
      next_attempt_at: now,
      expires_at: input.expiresAt,
      lease_until: null,
      created_at: now,
      sent_at: null,
      updated_at: now,
    })
    .execute();
  return { id, status };
}

/** Queued messages of a subject that must not go out any more (the method was removed). */
export async function cancelQueuedSms(db: Db, ctx: PlatformContext, owner: { column: 'user_id' | 'staff_id'; id: string }, why: string): Promise<void> {
  const now = ctx.clock.now().toISOString();
  await db
    .updateTable('sms_messages')
    .set({ status: 'failed', last_error: why, to_sealed: null, body_sealed: null, lease_until: null, updated_at: now })
    .where(owner.column, '=', owner.id)
    .where('status', '=', 'queued')
    .execute();
}

export interface SmsLogQuery {
  userId?: string;
  staffId?: string;
  limit: number;
  cursor?: string;
}

const cursorShape = z.tuple([z.string().max(40), z.string().max(100)]);

/** A person's (or staff member's) text messages, newest first: metadata only, never the number or the body. */
export async function smsLog(db: Db, query: SmsLogQuery): Promise<Page<SmsLogEntry>> {
  const after = query.cursor ? decodeCursor(query.cursor, cursorShape) : undefined;
  const rows = await db
    .selectFrom('sms_messages')
    .select(['id', 'created_at', 'purpose', 'masked_phone', 'status', 'attempts', 'last_error', 'sent_at'])
    .$if(query.userId !== undefined, (q) => q.where('user_id', '=', query.userId!))
    .$if(query.staffId !== undefined, (q) => q.where('staff_id', '=', query.staffId!))
    .$if(after !== undefined, (q) => q.where(sql<boolean>`(created_at, id) < (${after![0]}, ${after![1]})`))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map((m) => ({
      id: m.id,
      createdAt: m.created_at,
      purpose: m.purpose as SmsMessagePurpose,
      maskedPhone: m.masked_phone,
      status: m.status as SmsMessageStatus,
      attempts: Number(m.attempts),
      lastError: m.last_error,
      sentAt: m.sent_at,
    })),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.created_at, last.id]) : null,
  };
}
