// Runs a support action the way every one must run: the caller holds the role, the
// organisation's ticket rule holds, the change and its emails commit together, the
// audit log records the outcome (refusals too), and a repeated Idempotency-Key replays
// the first answer instead of acting twice.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StaffRole } from '../../../contract/vocabulary.ts';
import type { PlatformContext } from '../../context.ts';
import { HttpError } from '../../http-error.ts';
import type { Db } from '../../storage/database.ts';
import type { EventRow, OrganisationRow, UserRow } from '../../storage/schema.ts';
import { recordAudit } from '../../services/audit.ts';
import { findEventRow } from '../../services/events.ts';
import { organisationOf } from '../../services/registration-state.ts';
import { principalLabel, requireRole, type Principal } from '../../services/staff-auth.ts';
import { findUserRow } from '../../services/user-lookup.ts';

export interface ActionSpec {
  action: string;
  role: StaffRole;
  userRef: string;
  eventRef?: string;
  reason?: string;
  ticket?: string;
  /** HTTP status of success: 201 when the action creates something. */
  status?: number;
}

export interface ActionSubject {
  trx: Db;
  principal: Principal;
  org: OrganisationRow;
  user: UserRow;
  event: EventRow | null;
  createdBy: string;
}

export interface ActionOutcome<T> {
  response: T;
  /** What the audit log may say about it: never a token, link, code or secret. */
  detail?: Record<string, string | number | boolean | null>;
}

async function replay(ctx: PlatformContext, principal: Principal, key: string, fingerprint: string) {
  const stored = await ctx.db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('token_id', '=', principal.tokenId)
    .where('key', '=', key)
    .executeTakeFirst();
  if (stored && stored.fingerprint !== fingerprint) {
    throw new HttpError('validation_failed', 'This Idempotency-Key was already used for a different request.', {
      fields: [{ field: 'headers.idempotency-key', message: 'reused for a different request' }],
    });
  }
  return stored;
}

export async function supportAction<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: PlatformContext,
  spec: ActionSpec,
  perform: (subject: ActionSubject) => Promise<ActionOutcome<T>>,
) {
  const principal = request.principal!;
  const org = await organisationOf(ctx.db, principal.orgId);
  const idempotencyKey = request.headers['idempotency-key'];
  const key = typeof idempotencyKey === 'string' && idempotencyKey.length > 0 ? idempotencyKey.slice(0, 200) : null;
  const fingerprint = createHash('sha256').update(`${request.method} ${request.url} ${JSON.stringify(request.body ?? null)}`).digest('hex');
  if (key) {
    const stored = await replay(ctx, principal, key, fingerprint);
    if (stored) return reply.status(stored.status_code).header('idempotent-replayed', 'true').send(JSON.parse(ctx.secrets.open(stored.body)));
  }

  const audit = {
    principal,
    action: spec.action,
    reason: spec.reason ?? null,
    ticket: spec.ticket ?? null,
    requestId: String(request.id),
  };
  let target: { userId: string | null; label: string; eventId: string | null } = { userId: null, label: spec.userRef, eventId: null };
  try {
    const status = spec.status ?? 200;
    const response = await ctx.db.transaction().execute(async (trx) => {
      const user = await findUserRow(trx, principal.orgId, spec.userRef);
      const event = spec.eventRef ? await findEventRow(trx, principal.orgId, spec.eventRef) : null;
      target = { userId: user.id, label: user.email, eventId: event?.id ?? null };
      // Checked once the person is known, so the refusal is on their audit trail too.
      requireRole(principal, spec.role);
      if (org.ticket_required === 1 && !spec.ticket) {
        throw new HttpError('validation_failed', `${org.name} requires a ticket id on support actions.`, {
          fields: [{ field: 'body.ticket', message: 'required by the organisation' }],
        });
      }
      const outcome = await perform({ trx, principal, org, user, event, createdBy: principalLabel(principal) });
      await recordAudit(trx, ctx, {
        ...audit,
        targetUserId: user.id,
        target: user.email,
        eventId: event?.id ?? null,
        result: 'ok',
        detail: outcome.detail,
      });
      if (key) {
        await trx
          .insertInto('idempotency_keys')
          .values({
            key,
            token_id: principal.tokenId,
            fingerprint,
            status_code: status,
            // Responses can hold links; like every token at rest, they are sealed.
            body: ctx.secrets.seal(JSON.stringify(outcome.response)),
            created_at: ctx.clock.now().toISOString(),
          })
          .execute();
      }
      return outcome.response;
    });
    ctx.mail.wake();
    return reply.status(status).send(response);
  } catch (error) {
    if (error instanceof HttpError) {
      await recordAudit(ctx.db, ctx, {
        ...audit,
        targetUserId: target.userId,
        target: target.label,
        eventId: target.eventId,
        result: 'refused',
        detail: { error: error.code, message: error.message },
      });
    }
    throw error;
  }
}
