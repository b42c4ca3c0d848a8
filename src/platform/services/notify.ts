// Emails a person about one of their flows, through the outbox of the caller's
// transaction, with the event and organisation filled in.
import type { SentEmail } from '../../contract/schemas.ts';
import type { PlatformContext } from '../context.ts';
import { enqueueEmail, enqueueEmails, type EnqueueEmailInput } from '../mail/outbox.ts';
import type { TemplateName } from '../mail/templates.ts';
import type { Db } from '../storage/database.ts';
import type { EventRow, UserRow } from '../storage/schema.ts';
import { fullName } from './views.ts';

export interface NotifyInput {
  orgName: string;
  user: Pick<UserRow, 'id' | 'org_id' | 'email' | 'first_name' | 'last_name'>;
  event: Pick<EventRow, 'id' | 'title' | 'starts_at' | 'timezone'> | null;
  template: TemplateName;
  actionUrl?: string;
  expiresAt?: string;
  code?: string;
}

export async function notifyPerson(trx: Db, ctx: PlatformContext, input: NotifyInput): Promise<SentEmail> {
  const { id, status } = await enqueueEmail(trx, { ...ctx, deliveryEnabled: ctx.mail.deliveryEnabled }, outboxInput(input));
  return { emailId: id, template: input.template, recipient: input.user.email, delivery: status };
}

/** Emails many people at once (bulk flows), in order, as notifyPerson emails one. */
export async function notifyPeople(trx: Db, ctx: PlatformContext, inputs: NotifyInput[]): Promise<SentEmail[]> {
  const queued = await enqueueEmails(trx, { ...ctx, deliveryEnabled: ctx.mail.deliveryEnabled }, inputs.map(outboxInput));
  return queued.map(({ id, status }, i) => ({ emailId: id, template: inputs[i]!.template, recipient: inputs[i]!.user.email, delivery: status }));
}

function outboxInput(input: NotifyInput): EnqueueEmailInput {
  return {
    orgId: input.user.org_id,
    userId: input.user.id,
    eventId: input.event?.id ?? null,
    recipient: input.user.email,
    template: input.template,
    vars: {
      recipientName: fullName(input.user) || input.user.email,
      organisationName: input.orgName,
      eventTitle: input.event?.title,
      eventStartsAt: input.event?.starts_at,
      eventTimezone: input.event?.timezone,
      actionUrl: input.actionUrl,
      expiresAt: input.expiresAt,
      code: input.code,
    },
  };
}

/** The event's sign-in page, where "registration complete" emails send people. */
export function signInUrl(publicUrl: string, eventSlug: string): string {
  return new URL(`/e/${eventSlug}/login`, publicUrl).toString();
}
