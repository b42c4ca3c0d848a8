// Registrations pushed by integrations (forms embedded in social networks), signed the
// Standard Webhooks way: HMAC-SHA256 over "id.timestamp.body" with the event's secret,
// five minutes of tolerance, each webhook id accepted once.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { NO_CONTROL_CHARACTERS, PLAIN_TEXT_MESSAGE } from '../../contract/plain-text.ts';
import type { PlatformContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import type { EventRow } from '../storage/schema.ts';
import type { EmailTemplate } from '../../contract/vocabulary.ts';
import { sendActivationEmail } from './verification.ts';
import { organisationOf } from './registration-state.ts';
import { createRegistration, eventAddress, findOrCreateUser } from './registration.ts';
import { recordActivity, typedAddress } from '../activity/record.ts';

export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
const SECRET_PREFIX = 'whsec_';

const personText = z.string().trim().max(200).regex(NO_CONTROL_CHARACTERS, PLAIN_TEXT_MESSAGE).optional();

export const webhookRegistrationSchema = z.strictObject({
  type: z.literal('registration.created'),
  data: z.strictObject({
    event: z.string().trim().min(1).max(100),
    /** Checked by the address rule in acceptWebhookRegistration, so a refusal names the rule. */
    email: z.string().max(320),
    firstName: personText,
    lastName: personText,
    company: personText,
    jobTitle: personText,
    country: personText,
  }),
});
export type WebhookRegistration = z.infer<typeof webhookRegistrationSchema>;

export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export interface WebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

const refused = (message: string, reason: 'bad_signature' | 'stale_timestamp' = 'bad_signature') => new HttpError('unauthenticated', message, { reason });

/** Throws unless the headers carry a fresh, valid signature of `body` by `secret`. */
export function verifyWebhook(secret: string, headers: WebhookHeaders, body: string, now: Date): void {
  if (!headers.id || !headers.timestamp || !headers.signature) {
    throw refused('The webhook-id, webhook-timestamp and webhook-signature headers are required.');
  }
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp)) throw refused('webhook-timestamp must be Unix seconds.');
  if (Math.abs(now.getTime() / 1000 - timestamp) > WEBHOOK_TOLERANCE_SECONDS) {
    throw refused('The webhook timestamp is more than five minutes away from now.', 'stale_timestamp');
  }
  const expected = Buffer.from(signWebhook(secret, headers.id, timestamp, body).slice(3), 'base64');
  const matches = headers.signature.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw refused('The webhook signature does not match.');
}

export type WebhookOutcome = { created: boolean; userId: string; emailed: EmailTemplate };

export async function acceptWebhookRegistration(
  ctx: PlatformContext,
  event: EventRow,
  webhookId: string,
  payload: WebhookRegistration,
): Promise<WebhookOutcome> {
  const { email, problem } = eventAddress(event, payload.data.email);
  if (problem) {
    throw new HttpError('validation_failed', problem.message, { fields: [{ field: 'body.data.email', message: problem.message }], reason: 'refused_address', rule: problem.reason });
  }
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<WebhookOutcome> => {
    const seen = await trx.selectFrom('webhook_deliveries').select('id').where('id', '=', webhookId).executeTakeFirst();
    if (seen) throw new HttpError('conflict', 'This webhook id was already received; nothing was done.', { reason: 'replayed' });
    await trx.insertInto('webhook_deliveries').values({ id: webhookId, event_id: event.id, received_at: ctx.clock.now().toISOString() }).execute();
    const org = await organisationOf(trx, event.org_id);
    const { data } = payload;
    const { user } = await findOrCreateUser(trx, ctx, event.org_id, {
      email,
      values: { first_name: data.firstName ?? '', last_name: data.lastName ?? '', company: data.company ?? '', job_title: data.jobTitle ?? '', country: data.country ?? '' },
      passwordHash: null,
    });
    const registration = await trx.selectFrom('registrations').select(['status', 'stage']).where('user_id', '=', user.id).where('event_id', '=', event.id).executeTakeFirst();
    const removed = registration?.status === 'unregistered' && registration.stage !== 'cancelled_by_person';
    if (user.blocked === 1 || registration?.status === 'blocked' || removed) {
      throw new HttpError('conflict', 'The organiser has shut this person out of the event; nothing was done.', { reason: 'shut_out' });
    }
    if (!registration) {
      const stage = user.password_hash === null ? 'password_not_set' : 'verified';
      await createRegistration(trx, ctx, { user, event, role: 'attendee', type: 'webhook', status: 'registered', stage });
    }
    await recordActivity(trx, ctx, { orgId: event.org_id, userId: user.id, eventId: event.id, kind: 'webhook.received', webhookId, detail: { created: !registration } });
    const sent = await sendActivationEmail(trx, ctx, org.name, user, event, 'webhook');
    return { created: !registration, userId: user.id, emailed: sent.template };
  });
  ctx.mail.wake();
  return outcome;
}

/**
 * Records a refused webhook. The claimed address is kept only once the signature proved
 * the sender; before that anyone could have written it.
 */
export async function recordWebhookRefusal(
  ctx: PlatformContext,
  input: { event: EventRow | undefined; webhookId: string | null; verifiedEmail: string | null; error: HttpError },
): Promise<void> {
  const details = (input.error.details ?? {}) as { reason?: string; rule?: string; fields?: { field: string }[] };
  const reason =
    details.reason === 'bad_signature' || details.reason === 'stale_timestamp' || details.reason === 'refused_address' || details.reason === 'shut_out'
      ? details.reason
      : details.reason === 'replayed'
        ? 'replayed_id'
        : input.error.code === 'unauthenticated'
          ? 'bad_signature'
          : 'invalid_payload';
  // A refusal for an event nobody has says nothing an agent could look up.
  if (!input.event) return;
  const email = typedAddress(input.verifiedEmail);
  const user = email
    ? await ctx.db.selectFrom('users').select('id').where('org_id', '=', input.event.org_id).where('email', '=', email).executeTakeFirst()
    : undefined;
  const detail: Record<string, string> = {};
  if (reason === 'invalid_payload' && details.fields?.[0]) detail.field = details.fields[0].field.replace(/^body\./, '');
  if (details.rule) detail.rule = details.rule;
  await recordActivity(ctx.db, ctx, {
    orgId: input.event.org_id,
    userId: user?.id ?? null,
    email,
    eventId: input.event.id,
    kind: 'webhook.refused',
    outcome: 'refused',
    reason,
    webhookId: input.webhookId,
    detail,
  });
}
