// Read-only records agents consult: a person's 2FA state, the emails sent to them, the
// audit log, and the organisation's identity checklist.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import {
  auditQuerySchema,
  emailLogQuerySchema,
  referenceSchema,
  type AuditEntry,
  type EmailLogEntry,
  type IdentityChecklist,
  type Page,
} from '../../../contract/schemas.ts';
import type { PlatformContext } from '../../context.ts';
import { decodeCursor, encodeCursor } from '../../services/cursor.ts';
import { findEventRow } from '../../services/events.ts';
import { mfaStatus } from '../../services/mfa.ts';
import { organisationOf } from '../../services/registration-state.ts';
import { findUserRow } from '../../services/user-lookup.ts';
import { parseInput } from '../validation.ts';
import { caller } from './auth-hook.ts';

const userParams = z.strictObject({ user: referenceSchema });
const cursorTuple = z.tuple([z.string().max(40), z.string().max(100)]);


export function recordRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.get('/users/:user/mfa', async (request) => {
    const principal = caller(request, 'viewer');
    const { user } = parseInput(userParams, request.params, 'params');
    const row = await findUserRow(ctx.db, principal.orgId, user);
    const org = await organisationOf(ctx.db, principal.orgId);
    return mfaStatus(ctx.db, ctx, row, org.mfa_policy);
  });

  app.get('/users/:user/emails', async (request): Promise<Page<EmailLogEntry>> => {
    const principal = caller(request, 'viewer');
    const { user } = parseInput(userParams, request.params, 'params');
    const query = parseInput(emailLogQuerySchema, request.query, 'query');
    const row = await findUserRow(ctx.db, principal.orgId, user);
    const eventId = query.event ? (await findEventRow(ctx.db, principal.orgId, query.event)).id : undefined;
    const after = query.cursor ? decodeCursor(query.cursor, cursorTuple) : undefined;
    const rows = await ctx.db
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
        'events.slug as event_slug',
      ])
      .where('emails.user_id', '=', row.id)
      .$if(eventId !== undefined, (q) => q.where('emails.event_id', '=', eventId!))
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
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor([last.created_at, last.id]) : null,
    };
  });

  app.get('/audit', async (request): Promise<Page<AuditEntry>> => {
    const principal = caller(request, 'agent');
    const query = parseInput(auditQuerySchema, request.query, 'query');
    const userId = query.user ? (await findUserRow(ctx.db, principal.orgId, query.user)).id : undefined;
    const after = query.cursor ? decodeCursor(query.cursor, cursorTuple) : undefined;
    const rows = await ctx.db
      .selectFrom('audit_log')
      .leftJoin('events', 'events.id', 'audit_log.event_id')
      .selectAll('audit_log')
      .select('events.slug as event_slug')
      .where('audit_log.org_id', '=', principal.orgId)
      .$if(userId !== undefined, (q) => q.where('audit_log.target_user_id', '=', userId!))
      .$if(query.agent !== undefined, (q) => q.where('audit_log.actor', '=', query.agent!.toLowerCase()))
      .$if(query.since !== undefined, (q) => q.where('audit_log.created_at', '>=', new Date(query.since!).toISOString()))
      .$if(after !== undefined, (q) => q.where(sql<boolean>`(audit_log.created_at, audit_log.id) < (${after![0]}, ${after![1]})`))
      .orderBy('audit_log.created_at', 'desc')
      .orderBy('audit_log.id', 'desc')
      .limit(query.limit + 1)
      .execute();
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items: items.map((a) => ({
        id: a.id,
        at: a.created_at,
        actor: a.actor,
        actorRole: a.actor_role,
        action: a.action,
        target: a.target,
        eventSlug: a.event_slug,
        reason: a.reason,
        ticket: a.ticket,
        result: a.result as AuditEntry['result'],
        detail: a.detail ? (JSON.parse(a.detail) as Record<string, unknown>) : null,
        requestId: a.request_id,
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor([last.created_at, last.id]) : null,
    };
  });

  app.get('/organisation/identity-checklist', async (request): Promise<IdentityChecklist> => {
    const principal = caller(request, 'viewer');
    const org = await organisationOf(ctx.db, principal.orgId);
    return { questions: JSON.parse(org.identity_checklist) as string[] };
  });
}
