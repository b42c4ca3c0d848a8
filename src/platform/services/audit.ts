// The audit log: who did what to whom, why (reason, ticket), with what result. Never a
// token, link, code or secret: callers pass only descriptive details.
import type { Clock, TokenGenerator } from '../clock.ts';
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
