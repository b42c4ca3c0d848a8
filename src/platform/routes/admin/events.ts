import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actionContextSchema, invitationBodySchema, listEventsQuerySchema, referenceSchema, type WebhookSecret } from '../../../contract/schemas.ts';
import { recordAudit } from '../../services/audit.ts';
import { findEventRow } from '../../services/events.ts';
import { invite } from '../../services/invitations.ts';
import { organisationOf } from '../../services/registration-state.ts';
import { principalLabel } from '../../services/staff-auth.ts';
import { newWebhookSecret } from '../../services/webhooks.ts';
import { HttpError } from '../../http-error.ts';
import type { PlatformContext } from '../../context.ts';
import { getEvent, listEvents } from '../../services/events.ts';
import type { Principal } from '../../services/staff-auth.ts';
import { parseInput } from '../validation.ts';
import { caller } from './auth-hook.ts';

const eventParams = z.strictObject({ event: referenceSchema });
const rotateBodySchema = z.strictObject({ ...actionContextSchema });

function audited(ctx: PlatformContext, principal: Principal, requestId: string, action: string, body: { reason?: string; ticket?: string }) {
  return (result: 'ok' | 'refused', target: { userId?: string; label?: string; eventId?: string }, detail?: Record<string, string | boolean>) =>
    recordAudit(ctx.db, ctx, {
      principal,
      action,
      targetUserId: target.userId ?? null,
      target: target.label ?? null,
      eventId: target.eventId ?? null,
      reason: body.reason ?? null,
      ticket: body.ticket ?? null,
      result,
      detail,
      requestId,
    });
}

export function eventRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.get('/events', async (request) => {
    const principal = caller(request, 'viewer');
    const query = parseInput(listEventsQuerySchema, request.query, 'query');
    return listEvents(ctx.db, principal.orgId, ctx.clock.now(), query);
  });

  app.get('/events/:event', async (request) => {
    const principal = caller(request, 'viewer');
    const { event } = parseInput(eventParams, request.params, 'params');
    return getEvent(ctx.db, principal.orgId, event, ctx.clock.now(), ctx.publicUrl);
  });

  app.post('/events/:event/invitations', async (request, reply) => {
    const principal = caller(request, 'agent');
    const { event: ref } = parseInput(eventParams, request.params, 'params');
    const body = parseInput(invitationBodySchema, request.body, 'body');
    const audit = audited(ctx, principal, String(request.id), 'invitation.send', body);
    const event = await findEventRow(ctx.db, principal.orgId, ref);
    try {
      const org = await organisationOf(ctx.db, principal.orgId);
      if (org.ticket_required === 1 && !body.ticket) {
        throw new HttpError('validation_failed', `${org.name} requires a ticket id on support actions.`, { fields: [{ field: 'body.ticket', message: 'required by the organisation' }] });
      }
      const sent = await ctx.db.transaction().execute(async (trx) => {
        const result = await invite(trx, { ...ctx, db: trx }, {
          orgName: org.name,
          event,
          email: body.email,
          firstName: body.firstName,
          lastName: body.lastName,
          role: body.role ?? 'attendee',
          createdBy: principalLabel(principal),
        });
        await recordAudit(trx, ctx, {
          principal,
          action: 'invitation.send',
          targetUserId: result.userId,
          target: result.recipient,
          eventId: event.id,
          reason: body.reason ?? null,
          ticket: body.ticket ?? null,
          result: 'ok',
          detail: { template: result.template },
          requestId: String(request.id),
        });
        return result;
      });
      ctx.mail.wake();
      return reply.status(201).send(sent);
    } catch (error) {
      if (error instanceof HttpError) await audit('refused', { label: body.email, eventId: event.id }, { error: error.code });
      throw error;
    }
  });

  app.post('/events/:event/webhook-secret', async (request, reply): Promise<WebhookSecret> => {
    const principal = caller(request, 'admin');
    const { event: ref } = parseInput(eventParams, request.params, 'params');
    const body = parseInput(rotateBodySchema, request.body, 'body');
    const event = await findEventRow(ctx.db, principal.orgId, ref);
    const secret = newWebhookSecret();
    await ctx.db.updateTable('events').set({ webhook_secret_sealed: ctx.secrets.seal(secret) }).where('id', '=', event.id).execute();
    await audited(ctx, principal, String(request.id), 'event.webhook_secret.rotate', body)('ok', { label: event.slug, eventId: event.id });
    reply.status(201);
    return { event: event.slug, secret };
  });
}
