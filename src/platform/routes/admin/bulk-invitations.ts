// Bulk invitations over HTTP: a batch of rows a request (agent), and a run's progress
// for resuming (viewer).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { referenceSchema } from '../../../contract/schemas.ts';
import { requestOrigin } from '../../activity/origin.ts';
import { withOrigin, type PlatformContext } from '../../context.ts';
import { HttpError } from '../../http-error.ts';
import { recordAudit } from '../../services/audit.ts';
import { acquireBulkSlot, applyBatch, bulkBatchEnvelopeSchema, bulkRunProgress, parseBatchRows } from '../../services/bulk-invitations.ts';
import { findEventRow } from '../../services/events.ts';
import { organisationOf } from '../../services/registration-state.ts';
import { requireRole } from '../../services/staff-auth.ts';
import { parseInput } from '../validation.ts';
import { caller } from './auth-hook.ts';

const eventParams = z.strictObject({ event: referenceSchema });
const runParams = z.strictObject({ event: referenceSchema, run: z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, 'not a run name') });

// 1,000 rows of long values; the API's usual limit is for one-person requests.
const BATCH_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export function bulkInvitationRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.post('/events/:event/invitations/batch', { bodyLimit: BATCH_BODY_LIMIT_BYTES }, async (request, reply) => {
    const { event: ref } = parseInput(eventParams, request.params, 'params');
    const body = parseInput(bulkBatchEnvelopeSchema, request.body, 'body');
    const rows = parseBatchRows(body.rows);
    const principal = request.principal!;
    const org = await organisationOf(ctx.db, principal.orgId);
    const event = await findEventRow(ctx.db, principal.orgId, ref);
    try {
      requireRole(principal, 'agent');
      if (org.ticket_required === 1 && !body.ticket) {
        throw new HttpError('validation_failed', `${org.name} requires a ticket id on support actions.`, {
          fields: [{ field: 'body.ticket', message: 'required by the organisation' }],
        });
      }
    } catch (error) {
      if (error instanceof HttpError) {
        await recordAudit(ctx.db, ctx, {
          principal,
          action: 'invitation.bulk',
          target: body.file || body.run,
          eventId: event.id,
          reason: body.reason ?? null,
          ticket: body.ticket ?? null,
          result: 'refused',
          requestId: String(request.id),
          detail: { error: error.code, message: error.message, run: body.run, batch: body.batch },
        });
      }
      throw error;
    }
    const key = request.headers['idempotency-key'];
    const batch = {
      principal,
      org,
      event,
      body,
      rows,
      idempotencyKey: typeof key === 'string' && key.length > 0 ? key.slice(0, 200) : null,
      requestId: String(request.id),
    };
    const release = await acquireBulkSlot(ctx.db, ctx.clock, org.id);
    try {
      const { json, replayed } = await applyBatch(withOrigin(ctx, requestOrigin(request, 'invitation')), batch);
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(200).type('application/json; charset=utf-8').send(json);
    } finally {
      await release();
    }
  });

  app.get('/events/:event/invitations/runs/:run', async (request) => {
    const principal = caller(request, 'viewer');
    const { event: ref, run } = parseInput(runParams, request.params, 'params');
    const event = await findEventRow(ctx.db, principal.orgId, ref);
    return bulkRunProgress(ctx.db, principal.orgId, event, run);
  });
}
