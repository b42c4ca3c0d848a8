// The mail outbox: a flow writes its emails in the same transaction as its state change,
// and delivery (delivery.ts) sends them afterwards. Bodies hold link tokens, so they are
// stored only sealed; the subject stays readable for agents.
import type { Clock, TokenGenerator } from '../clock.ts';
import type { SecretBox } from '../secret-box.ts';
import type { Db } from '../storage/database.ts';
import { renderEmail, type TemplateName, type TemplateVars } from './templates.ts';

/** queued: waiting to be sent; captured: kept but never sent (delivery switched off). */
export type EmailStatus = 'queued' | 'sent' | 'failed' | 'captured';

export interface OutboxDeps {
  clock: Clock;
  tokens: TokenGenerator;
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

/** The sealed body's plain form. */
export interface EmailBody {
  text: string;
  html: string;
}

/** `db` may be a transaction, so the email commits or rolls back with the flow. */
export async function enqueueEmail(
  db: Db,
  deps: OutboxDeps,
  input: EnqueueEmailInput,
): Promise<{ id: string; status: 'queued' | 'captured' }> {
  const { subject, text, html } = renderEmail(input.template, input.vars);
  const id = `eml_${deps.tokens.id()}`;
  const now = deps.clock.now().toISOString();
  const status = deps.deliveryEnabled ? 'queued' : 'captured';
  const body: EmailBody = { text, html };
  await db
    .insertInto('emails')
    .values({
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
    })
    .execute();
  return { id, status };
}

export interface EmailSummary {
  id: string;
  createdAt: string;
  eventId: string | null;
  recipient: string;
  template: string;
  subject: string;
  status: EmailStatus;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
}

export interface ListEmailsQuery {
  orgId: string;
  userId: string;
  eventId?: string;
  limit: number;
}

/** A person's emails, newest first; metadata only, never the body. */
export async function listEmails(db: Db, query: ListEmailsQuery): Promise<EmailSummary[]> {
  let select = db
    .selectFrom('emails')
    .select([
      'id',
      'created_at',
      'event_id',
      'recipient',
      'template',
      'subject',
      'status',
      'attempts',
      'last_error',
      'sent_at',
    ])
    .where('org_id', '=', query.orgId)
    .where('user_id', '=', query.userId);
  if (query.eventId !== undefined) select = select.where('event_id', '=', query.eventId);
  const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.created_at,
    eventId: row.event_id,
    recipient: row.recipient,
    template: row.template,
    subject: row.subject,
    status: row.status as EmailStatus,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    sentAt: row.sent_at,
  }));
}
