// Read-only records agents consult: a person's 2FA state, the emails sent to them, the
// audit log, and the organisation's identity checklist.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  addressActivityQuerySchema,
  auditQuerySchema,
  emailLogQuerySchema,
  linksQuerySchema,
  referenceSchema,
  timelineQuerySchema,
  type IdentityChecklist,
} from '../../../contract/schemas.ts';
import { timeline, type TimelineFilter } from '../../activity/timeline.ts';
import { personLinks } from '../../activity/links.ts';
import type { Db } from '../../storage/database.ts';
import type { PlatformContext } from '../../context.ts';
import { emailLog } from '../../mail/outbox.ts';
import { auditLog } from '../../services/audit.ts';
import { findEventRow } from '../../services/events.ts';
import { mfaStatus } from '../../services/mfa.ts';
import { organisationOf } from '../../services/registration-state.ts';
import { findUserRow } from '../../services/user-lookup.ts';
import { parseInput } from '../validation.ts';
import { caller } from './auth-hook.ts';

const userParams = z.strictObject({ user: referenceSchema });

async function timelineFilter(db: Db, orgId: string, query: z.output<typeof timelineQuerySchema>): Promise<TimelineFilter> {
  return {
    eventId: query.event ? (await findEventRow(db, orgId, query.event)).id : undefined,
    since: query.since ? new Date(query.since).toISOString() : undefined,
    kinds: query.kind ? query.kind.split(',').map((k) => k.trim()) : undefined,
    order: query.order,
    limit: query.limit,
    cursor: query.cursor,
  };
}

export function recordRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.get('/users/:user/mfa', async (request) => {
    const principal = caller(request, 'viewer');
    const { user } = parseInput(userParams, request.params, 'params');
    const row = await findUserRow(ctx.db, principal.orgId, user);
    const org = await organisationOf(ctx.db, principal.orgId);
    return mfaStatus(ctx.db, ctx, row, org);
  });

  app.get('/users/:user/emails', async (request) => {
    const principal = caller(request, 'viewer');
    const { user } = parseInput(userParams, request.params, 'params');
    const query = parseInput(emailLogQuerySchema, request.query, 'query');
    const row = await findUserRow(ctx.db, principal.orgId, user);
    const eventId = query.event ? (await findEventRow(ctx.db, principal.orgId, query.event)).id : undefined;
    return emailLog(ctx.db, { userId: row.id, eventId, limit: query.limit, cursor: query.cursor });
  });

  app.get('/users/:user/activity', async (request) => {
    const principal = caller(request, 'viewer');
    const { user } = parseInput(userParams, request.params, 'params');
    const query = parseInput(timelineQuerySchema, request.query, 'query');
    const row = await findUserRow(ctx.db, principal.orgId, user);
    return timeline(ctx.db, { orgId: principal.orgId, userId: row.id, email: row.email }, await timelineFilter(ctx.db, principal.orgId, query));
  });

  // Refused attempts of an address no account has (or had then): found by the address.
  app.get('/activity', async (request) => {
    const principal = caller(request, 'viewer');
    const { email, ...query } = parseInput(addressActivityQuerySchema, request.query, 'query');
    return timeline(ctx.db, { orgId: principal.orgId, userId: null, email }, await timelineFilter(ctx.db, principal.orgId, query));
  });

  app.get('/users/:user/links', async (request) => {
    const principal = caller(request, 'viewer');
    const { user } = parseInput(userParams, request.params, 'params');
    const query = parseInput(linksQuerySchema, request.query, 'query');
    const row = await findUserRow(ctx.db, principal.orgId, user);
    const eventId = query.event ? (await findEventRow(ctx.db, principal.orgId, query.event)).id : undefined;
    return personLinks(ctx.db, { userId: row.id, eventId, limit: query.limit, cursor: query.cursor, now: ctx.clock.now() });
  });

  app.get('/audit', async (request) => {
    const principal = caller(request, 'agent');
    const query = parseInput(auditQuerySchema, request.query, 'query');
    const userId = query.user ? (await findUserRow(ctx.db, principal.orgId, query.user)).id : undefined;
    return auditLog(ctx.db, {
      orgId: principal.orgId,
      userId,
      agent: query.agent,
      since: query.since ? new Date(query.since).toISOString() : undefined,
      limit: query.limit,
      cursor: query.cursor,
    });
  });

  app.get('/organisation/identity-checklist', async (request): Promise<IdentityChecklist> => {
    const principal = caller(request, 'viewer');
    const org = await organisationOf(ctx.db, principal.orgId);
    return { questions: JSON.parse(org.identity_checklist) as string[] };
  });
}
