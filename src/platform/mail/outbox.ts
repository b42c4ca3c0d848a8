// The mail outbox: a flow writes its emails in the same transaction as its state change,
// and delivery (delivery.ts) sends them afterwards. A row keeps the template's variables,
// sealed because they hold link tokens and codes, and the body is rendered from them when
// the mail is sent: a sixth of the bytes of the rendered text and HTML, which bulk flows
// write a thousand at a time. The subject is rendered at once and stays readable for
// agents; links are variables, so they keep the public address in force when queued.
import { sql } from 'kysely';
import { z } from 'zod';
import type { EmailLogEntry, Page } from '../../contract/schemas.ts';
import { recordActivities, recordActivity, type ActivityDeps, type ActivityInput } from '../activity/record.ts';
import { decodeCursor, encodeCursor } from '../services/cursor.ts';
import type { SecretBox } from '../secret-box.ts';
import type { Db } from '../storage/database.ts';
import type { NewEmail } from '../storage/schema.ts';
import { insertRows } from '../storage/bulk-insert.ts';
import { renderEmail, renderSubject, type TemplateName, type TemplateVars } from './templates.ts';

export interface OutboxDeps extends ActivityDeps {
  secrets: SecretBox;
  deliveryEnabled: boolean;
}

export interface EnqueueEmailInput {
  orgId: string;
  userId?: string | null;
  staffId?: string | null;
  eventId?: string | null;
  recipient: string;
  template: TemplateName;
  vars: TemplateVars;
}

/** A mail's body as it is sent. */
export interface EmailBody {
  text: string;
  html: string;
}

/** What body_sealed holds: the variables (rows queued before bodies were rendered at sending hold the rendered body). */
type SealedBody = { vars: TemplateVars } | EmailBody;

/** The body of a queued mail, rendered from its sealed variables. */
export function openEmailBody(secrets: SecretBox, template: string, sealed: string): EmailBody {
  const body = JSON.parse(secrets.open(sealed)) as SealedBody;
  if (!('vars' in body)) return { text: body.text, html: body.html };
  const { text, html } = renderEmail(template as TemplateName, body.vars);
  return { text, html };
}

/** `db` may be a transaction, so the email commits or rolls back with the flow. */
export async function enqueueEmail(
  db: Db,
  deps: OutboxDeps,
  input: EnqueueEmailInput,
): Promise<{ id: string; status: 'queued' | 'captured' }> {
  const { row, activity } = outboxRow(deps, input);
  await db.insertInto('emails').values(row).execute();
  await recordActivity(db, deps, activity);
  return { id: row.id, status: row.status as 'queued' | 'captured' };
}

/** Enqueues many emails at once (bulk flows), in order, as enqueueEmail enqueues one. */
export async function enqueueEmails(
  db: Db,
  deps: OutboxDeps,
  inputs: EnqueueEmailInput[],
): Promise<{ id: string; status: 'queued' | 'captured' }[]> {
  const prepared = inputs.map((input) => outboxRow(deps, input));
  await insertRows(db, 'emails', prepared.map((p) => p.row));
  await recordActivities(db, deps, prepared.map((p) => p.activity));
  return prepared.map((p) => ({ id: p.row.id, status: p.row.status as 'queued' | 'captured' }));
}

/** The outbox row of an email (subject rendered, variables sealed) and the activity entry that goes with it. */
function outboxRow(deps: OutboxDeps, input: EnqueueEmailInput): { row: NewEmail; activity: ActivityInput } {
  const subject = renderSubject(input.template, input.vars);
  const id = `eml_${deps.tokens.id()}`;
  const now = deps.clock.now().toISOString();
  const status = deps.deliveryEnabled ? 'queued' : 'captured';
  const body: SealedBody = { vars: input.vars };
  const row: NewEmail = {
    id,
    org_id: input.orgId,
    user_id: input.userId ?? null,
    staff_id: input.staffId ?? null,
    event_id: input.eventId ?? null,
    recipient: input.recipient,
    template: input.template,
    subject,
    body_sealed: deps.secrets.seal(JSON.stringify(body)),
    status,
    last_error: null,
    next_attempt_at: now,
    lease_until: null,
    // Derived from the id, so a resend after a crash carries the same Message-ID.
    message_id: `<${id}@t1.platform>`,
    created_at: now,
    sent_at: null,
    updated_at: now,
    cause: deps.origin.cause,
    cause_actor: deps.origin.actor,
  };
  const activity: ActivityInput = {
    orgId: input.orgId,
    userId: input.userId ?? null,
    email: input.userId ? null : input.recipient,
    eventId: input.eventId ?? null,
    kind: status === 'queued' ? 'mail.queued' : 'mail.captured',
    emailId: id,
    detail: { template: input.template, subject, cause: deps.origin.cause },
  };
  return { row, activity };
}

export interface EmailLogQuery {
  userId: string;
  eventId?: string;
  limit: number;
  cursor?: string;
}

const cursorShape = z.tuple([z.string().max(40), z.string().max(100)]);

/** A person's emails, newest first, a page at a time: metadata only, never the body. */
export async function emailLog(db: Db, query: EmailLogQuery): Promise<Page<EmailLogEntry>> {
  const after = query.cursor ? decodeCursor(query.cursor, cursorShape) : undefined;
  const rows = await db
    .selectFrom('emails')
    .leftJoin('events', 'events.id', 'emails.event_id')
    .select([
      'emails.id',
      'emails.created_at',
      'emails.template',
      'emails.subject',
      'emails.recipient',
      'emails.status',
      'emails.attempts',
      'emails.last_error',
      'emails.sent_at',
      'emails.cause',
      'emails.cause_actor',
      'events.slug as event_slug',
    ])
    .where('emails.user_id', '=', query.userId)
    .$if(query.eventId !== undefined, (q) => q.where('emails.event_id', '=', query.eventId!))
    .$if(after !== undefined, (q) => q.where(sql<boolean>`(emails.created_at, emails.id) < (${after![0]}, ${after![1]})`))
    .orderBy('emails.created_at', 'desc')
    .orderBy('emails.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map((e) => ({
      id: e.id,
      createdAt: e.created_at,
      template: e.template as EmailLogEntry['template'],
      subject: e.subject,
      recipient: e.recipient,
      eventSlug: e.event_slug,
      status: e.status as EmailLogEntry['status'],
      attempts: Number(e.attempts),
      lastError: e.last_error,
      sentAt: e.sent_at,
      cause: e.cause,
      causeActor: e.cause_actor,
    })),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.created_at, last.id]) : null,
  };
}
