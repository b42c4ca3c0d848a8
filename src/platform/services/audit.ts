// The audit log: who did what to whom, why (reason, ticket), with what result. Never a
// token, link, code or secret: callers pass only descriptive details.
import { sql } from 'kysely';
import { z } from 'zod';
import type { AuditEntry, Page } from '../../contract/schemas.ts';
import type { Clock, TokenGenerator } from '../clock.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { Db } from '../storage/database.ts';
import { principalLabel, type Principal } from './staff-auth.ts';

export interface AuditInput {
  principal: Principal;
  action: string;
  targetUserId?: string | null;
  target?: string | null;
  eventId?: string | null;
  reason?: string | null;
  ticket?: string | null;
  result: 'ok' | 'refused' | 'failed';
  detail?: Record<string, string | number | boolean | null>;
  requestId: string;
}

export async function recordAudit(db: Db, deps: { clock: Clock; tokens: TokenGenerator }, input: AuditInput): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: `aud_${deps.tokens.id()}`,
      org_id: input.principal.orgId,
      actor: principalLabel(input.principal),
      actor_role: input.principal.role,
      action: input.action,
      target_user_id: input.targetUserId ?? null,
      target: input.target ?? null,
      event_id: input.eventId ?? null,
      reason: input.reason ?? null,
      ticket: input.ticket ?? null,
      result: input.result,
      detail: input.detail ? JSON.stringify(input.detail) : null,
      request_id: input.requestId,
      created_at: deps.clock.now().toISOString(),
    })
    .execute();
}

export interface AuditLogQuery {
  orgId: string;
  userId?: string;
  agent?: string;
  since?: string;
  limit: number;
  cursor?: string;
}

const cursorShape = z.tuple([z.string().max(40), z.string().max(100)]);

/** Audit entries of an organisation, newest first, a page at a time. */
export async function auditLog(db: Db, query: AuditLogQuery): Promise<Page<AuditEntry>> {
  const after = query.cursor ? decodeCursor(query.cursor, cursorShape) : undefined;
  const rows = await db
    .selectFrom('audit_log')
    .leftJoin('events', 'events.id', 'audit_log.event_id')
    .selectAll('audit_log')
    .select('events.slug as event_slug')
    .where('audit_log.org_id', '=', query.orgId)
    .$if(query.userId !== undefined, (q) => q.where('audit_log.target_user_id', '=', query.userId!))
    .$if(query.agent !== undefined, (q) => q.where('audit_log.actor', '=', query.agent!.toLowerCase()))
    .$if(query.since !== undefined, (q) => q.where('audit_log.created_at', '>=', query.since!))
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
}
