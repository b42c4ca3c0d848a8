// Runs a support action the way every one must run: the caller holds the role, the
// organisation's ticket rule holds, the change and its emails commit together, the
// audit log records the outcome (refusals too), and a repeated Idempotency-Key replays
// the first answer instead of acting twice.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StaffRole } from '../../../contract/vocabulary.ts';
import { withOrigin, type PlatformContext } from '../../context.ts';
import type { ActivityCause } from '../../../contract/activity.ts';
import { requestOrigin } from '../../activity/origin.ts';
import { HttpError } from '../../http-error.ts';
import type { Db } from '../../storage/database.ts';
import type { EventRow, OrganisationRow, UserRow } from '../../storage/schema.ts';
import { recordAudit } from '../../services/audit.ts';
import { findEventRow } from '../../services/events.ts';
import { organisationOf } from '../../services/registration-state.ts';
import { principalLabel, requireRole, type Principal } from '../../services/staff-auth.ts';
import { findUserRow } from '../../services/user-lookup.ts';
import { isUniqueViolation } from '../../storage/errors.ts';

export interface AuditedSpec {
  action: string;
  role: StaffRole;
  /** How the target is named in the audit log until the action finds it. */
  targetLabel: string;
  eventRef?: string;
  reason?: string;
  ticket?: string;
  /** HTTP status of success: 201 when the action creates something. */
  status?: number;
  /** What the activity log names as the cause of the links and emails it leads to. */
  cause?: ActivityCause;
}

export interface AuditTarget {
  userId: string | null;
  label: string;
}

export interface AuditedSubject {
  trx: Db;
  /** The platform context inside the action's transaction, acting for the agent. */
  ctx: PlatformContext;
  principal: Principal;
  org: OrganisationRow;
  event: EventRow | null;
  createdBy: string;
  /** Names what the action acts on, for the audit entry (refusals included). */
  setTarget(target: AuditTarget): void;
}

export interface ActionSpec extends Omit<AuditedSpec, 'targetLabel'> {
  userRef: string;
}

export interface ActionSubject extends Omit<AuditedSubject, 'setTarget'> {
  user: UserRow;
}

export interface ActionOutcome<T> {
  response: T;
  /** What the audit log may say about it: never a token, link, code or secret. */
  detail?: Record<string, string | number | boolean | null>;
  /**
   * Refuses the request while keeping what the action wrote (e.g. a counted wrong try):
   * the changes and a "refused" audit entry commit together, then this error is the answer.
   */
  refusal?: HttpError;
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

/**
 * An action on an existing person: the person is looked up first, so a refusal (missing
 * role, missing ticket) lands on their audit trail.
 */
export function supportAction<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: PlatformContext,
  spec: ActionSpec,
  perform: (subject: ActionSubject) => Promise<ActionOutcome<T>>,
) {
  return auditedAction(request, reply, ctx, { ...spec, targetLabel: spec.userRef }, async (subject) => {
    const user = await findUserRow(subject.trx, subject.principal.orgId, spec.userRef);
    subject.setTarget({ userId: user.id, label: user.email });
    return perform({ ...subject, user });
  });
}

export async function auditedAction<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: PlatformContext,
  spec: AuditedSpec,
  perform: (subject: AuditedSubject) => Promise<ActionOutcome<T>>,
) {
  const principal = request.principal!;
  const org = await organisationOf(ctx.db, principal.orgId);
  const idempotencyKey = request.headers['idempotency-key'];
  const key = typeof idempotencyKey === 'string' && idempotencyKey.length > 0 ? idempotencyKey.slice(0, 200) : null;
  const fingerprint = createHash('sha256').update(`${request.method} ${request.url} ${JSON.stringify(request.body ?? null)}`).digest('hex');
  const audit = {
    principal,
    action: spec.action,
    reason: spec.reason ?? null,
    ticket: spec.ticket ?? null,
    requestId: String(request.id),
  };
  // A stored answer is the caller's only while they may still take the action: one
  // demoted since the first request is refused, not handed what the action produced.
  const sendStored = async (stored: { status_code: number; body: string }) => {
    try {
      requireRole(principal, spec.role);
    } catch (error) {
      const refused = error as HttpError;
      const detail = { error: refused.code, message: refused.message, replay: true };
      await recordAudit(ctx.db, ctx, { ...audit, target: spec.targetLabel, result: 'refused', detail });
      throw error;
    }
    return reply.status(stored.status_code).header('idempotent-replayed', 'true').send(JSON.parse(ctx.secrets.open(stored.body)));
  };
  if (key) {
    const stored = await replay(ctx, principal, key, fingerprint);
    if (stored) return sendStored(stored);
  }

  let target: AuditTarget = { userId: null, label: spec.targetLabel };
  let eventId: string | null = null;
  let checked = false;
  let refusal: HttpError | undefined;
  try {
    const status = spec.status ?? 200;
    const response = await ctx.db.transaction().execute(async (trx) => {
      const event = spec.eventRef ? await findEventRow(trx, principal.orgId, spec.eventRef) : null;
      eventId = event?.id ?? null;
      const outcome = await perform({
        trx,
        ctx: withOrigin({ ...ctx, db: trx }, requestOrigin(request, spec.cause ?? 'agent')),
        principal,
        org,
        event,
        createdBy: principalLabel(principal),
        setTarget(found) {
          target = found;
          checked = true;
          // Checked once the target is known, so the refusal is on its audit trail too.
          requireRole(principal, spec.role);
          if (org.ticket_required === 1 && !spec.ticket) {
            throw new HttpError('validation_failed', `${org.name} requires a ticket id on support actions.`, {
              fields: [{ field: 'body.ticket', message: 'required by the organisation' }],
            });
          }
        },
      });
      if (!checked) throw new Error(`Action ${spec.action} ran without naming its target, so its role was never checked.`);
      if (outcome.refusal) {
        refusal = outcome.refusal;
        const detail = { error: refusal.code, message: refusal.message, ...outcome.detail };
        await recordAudit(trx, ctx, { ...audit, targetUserId: target.userId, target: target.label, eventId, result: 'refused', detail });
        return null;
      }
      await recordAudit(trx, ctx, { ...audit, targetUserId: target.userId, target: target.label, eventId, result: 'ok', detail: outcome.detail });
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
    if (refusal) throw refusal;
    return reply.status(status).send(response);
  } catch (error) {
    // Already on the audit trail, committed with what the action kept.
    if (refusal && error === refusal) throw error;
    // The same Idempotency-Key raced in twice: the winner's answer is the answer.
    if (key && isUniqueViolation(error)) {
      const stored = await replay(ctx, principal, key, fingerprint);
      if (stored) return sendStored(stored);
    }
    if (error instanceof HttpError) {
      await recordAudit(ctx.db, ctx, {
        ...audit,
        targetUserId: target.userId,
        target: target.label,
        eventId,
        result: 'refused',
        detail: { error: error.code, message: error.message },
      });
    }
    throw error;
  }
}
