// POST /v1/webhooks/registrations: registrations from integrations. No bearer token:
// the Standard Webhooks signature with the event's secret is the authentication, so
// the raw body is kept exactly as sent.
import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { acceptWebhookRegistration, recordWebhookRefusal, verifyWebhook, webhookRegistrationSchema } from '../services/webhooks.ts';
import { requestOrigin } from '../activity/origin.ts';
import { withOrigin } from '../context.ts';
import type { EventRow } from '../storage/schema.ts';
import { parseInput } from './validation.ts';

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export async function webhookRoutes(app: FastifyInstance, ctx: PlatformContext): Promise<void> {
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post('/v1/webhooks/registrations', async (request, reply) => {
    const wctx = withOrigin(ctx, requestOrigin(request, 'webhook'));
    const webhookId = header(request.headers['webhook-id'])?.slice(0, 200) ?? null;
    let event: EventRow | undefined;
    let verifiedEmail: string | null = null;
    try {
      const raw = typeof request.body === 'string' ? request.body : '';
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new HttpError('bad_request', 'The request body is not valid JSON.');
      }
      const slug = (parsed as { data?: { event?: unknown } } | null)?.data?.event;
      event =
        typeof slug === 'string' && slug.length <= 100
          ? await ctx.db.selectFrom('events').selectAll().where('slug', '=', slug.toLowerCase()).executeTakeFirst()
          : undefined;
      // Unknown events and events without a secret look the same as a bad signature.
      if (!event?.webhook_secret_sealed) throw new HttpError('unauthenticated', 'The webhook signature does not match.', { reason: 'bad_signature' });
      verifyWebhook(
        ctx.secrets.open(event.webhook_secret_sealed),
        { id: webhookId ?? undefined, timestamp: header(request.headers['webhook-timestamp']), signature: header(request.headers['webhook-signature']) },
        raw,
        ctx.clock.now(),
      );
      const claimed = (parsed as { data?: { email?: unknown } }).data?.email;
      // The activity log keeps it only if it is shaped like an address (typedAddress).
      if (typeof claimed === 'string' && claimed.length <= 320) verifiedEmail = claimed;
      const payload = parseInput(webhookRegistrationSchema, parsed, 'body');
      const outcome = await acceptWebhookRegistration(wctx, event, webhookId!, payload);
      return reply.status(outcome.created ? 201 : 200).send(outcome);
    } catch (error) {
      if (error instanceof HttpError) await recordWebhookRefusal(wctx, { event, webhookId, verifiedEmail, error });
      throw error;
    }
  });
}
