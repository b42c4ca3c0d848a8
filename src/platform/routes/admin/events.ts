import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listEventsQuerySchema, referenceSchema } from '../../../contract/schemas.ts';
import type { PlatformContext } from '../../context.ts';
import { getEvent, listEvents } from '../../services/events.ts';
import { parseInput } from '../validation.ts';
import { caller } from './auth-hook.ts';

const eventParams = z.strictObject({ event: referenceSchema });

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
}
