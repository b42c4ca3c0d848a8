import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actionContextSchema, emailCheckQuerySchema, invitationBodySchema, listEventsQuerySchema, referenceSchema, type EmailCheck, type WebhookSecret } from '../../../contract/schemas.ts';
import { emailDomain } from '../../data/public-email-domains.ts';
import { approvedDomains, eventAddress } from '../../services/registration.ts';
import { invite } from '../../services/invitations.ts';
import { newWebhookSecret } from '../../services/webhooks.ts';
import type { PlatformContext } from '../../context.ts';
import { displayEmail } from '../../../contract/email-address.ts';
import { findEventRow, getEvent, listEvents } from '../../services/events.ts';
import { createEventBodySchema, updateEventBodySchema } from '../../../contract/event-settings.ts';
import { changeDetail, createEvent, updateEvent } from '../../services/event-settings.ts';
import { parseInput } from '../validation.ts';
import { caller } from './auth-hook.ts';
import { auditedAction } from './support-action.ts';

const eventParams = z.strictObject({ event: referenceSchema });
const rotateBodySchema = z.strictObject({ ...actionContextSchema });

export function eventRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.get('/events', async (request) => {
    const principal = caller(request, 'viewer');
    const query = parseInput(listEventsQuerySchema, request.query, 'query');
    return listEvents(ctx.db, principal.orgId, ctx.clock.now(), query);
  });

  // Admins create events; an Idempotency-Key makes a retried create answer the first time's event.
  app.post('/events', async (request, reply) => {
    const body = parseInput(createEventBodySchema, request.body, 'body');
    const spec = { action: 'event.create', role: 'admin' as const, targetLabel: body.slug, reason: body.reason, ticket: body.ticket, status: 201 };
    return auditedAction(request, reply, ctx, spec, async (s) => {
      s.setTarget({ userId: null, label: body.slug });
      const event = await createEvent(s.trx, s.ctx, s.principal.orgId, body);
      return { response: await getEvent(s.trx, s.principal.orgId, event.id, ctx.clock.now(), ctx.publicUrl), detail: changeDetail(body) };
    });
  });

  app.patch('/events/:event', async (request, reply) => {
    const { event: ref } = parseInput(eventParams, request.params, 'params');
    const body = parseInput(updateEventBodySchema, request.body, 'body');
    const spec = { action: 'event.update', role: 'admin' as const, targetLabel: ref, eventRef: ref, reason: body.reason, ticket: body.ticket };
    return auditedAction(request, reply, ctx, spec, async (s) => {
      s.setTarget({ userId: null, label: s.event!.slug });
      const event = await updateEvent(s.trx, s.event!, body);
      return { response: await getEvent(s.trx, s.principal.orgId, event.id, ctx.clock.now(), ctx.publicUrl), detail: changeDetail(body) };
    });
  });

  app.get('/events/:event', async (request) => {
    const principal = caller(request, 'viewer');
    const { event } = parseInput(eventParams, request.params, 'params');
    return getEvent(ctx.db, principal.orgId, event, ctx.clock.now(), ctx.publicUrl);
  });

  // Read-only: the same address rules as the registration form, without registering anyone.
  app.get('/events/:event/email-check', async (request): Promise<EmailCheck> => {
    const principal = caller(request, 'viewer');
    const { event: ref } = parseInput(eventParams, request.params, 'params');
    const query = parseInput(emailCheckQuerySchema, request.query, 'query');
    const event = await findEventRow(ctx.db, principal.orgId, ref);
    const { problem } = eventAddress(event, query.email);
    // Hidden characters show as U+FFFD, so the agent sees where the address is wrong.
    const email = displayEmail(query.email);
    return {
      event: { id: event.id, slug: event.slug, title: event.title },
      email,
      domain: email.includes('@') ? emailDomain(email) : '',
      accepted: problem === null,
      reason: problem?.reason ?? null,
      message: problem?.message ?? null,
      approvedDomains: approvedDomains(event),
      refusePublicDomains: event.refuse_public_domains === 1,
    };
  });

  app.post('/events/:event/invitations', async (request, reply) => {
    const { event: ref } = parseInput(eventParams, request.params, 'params');
    const body = parseInput(invitationBodySchema, request.body, 'body');
    const spec = { action: 'invitation.send', role: 'agent' as const, targetLabel: body.email, eventRef: ref, reason: body.reason, ticket: body.ticket, status: 201, cause: 'invitation' as const };
    return auditedAction(request, reply, ctx, spec, async (s) => {
      s.setTarget({ userId: null, label: body.email });
      const sent = await invite(s.trx, s.ctx, {
        orgName: s.org.name,
        event: s.event!,
        email: body.email,
        firstName: body.firstName,
        lastName: body.lastName,
        role: body.role ?? 'attendee',
        createdBy: s.createdBy,
      });
      s.setTarget({ userId: sent.userId, label: sent.recipient });
      return { response: sent, detail: { template: sent.template } };
    });
  });

  app.post('/events/:event/webhook-secret', async (request, reply) => {
    const { event: ref } = parseInput(eventParams, request.params, 'params');
    const body = parseInput(rotateBodySchema, request.body, 'body');
    const spec = { action: 'event.webhook_secret.rotate', role: 'admin' as const, targetLabel: ref, eventRef: ref, ...body, status: 201 };
    return auditedAction(request, reply, ctx, spec, async (s) => {
      s.setTarget({ userId: null, label: s.event!.slug });
      const secret = newWebhookSecret();
      await s.trx.updateTable('events').set({ webhook_secret_sealed: ctx.secrets.seal(secret) }).where('id', '=', s.event!.id).execute();
      const response: WebhookSecret = { event: s.event!.slug, secret };
      return { response };
    });
  });
}
