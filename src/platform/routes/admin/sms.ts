// The SMS log agents read: each text message sent to a person, with its purpose, masked
// number and delivery state. Never the number itself, never the code.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { referenceSchema } from '../../../contract/schemas.ts';
import { smsLogQuerySchema } from '../../../contract/sms.ts';
import type { PlatformContext } from '../../context.ts';
import { findUserRow } from '../../services/user-lookup.ts';
import { smsLog } from '../../sms/outbox.ts';
import { parseInput } from '../validation.ts';
import { caller } from './auth-hook.ts';

const userParams = z.strictObject({ user: referenceSchema });

export function smsRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.get('/users/:user/sms', async (request) => {
    const principal = caller(request, 'agent');
    const { user } = parseInput(userParams, request.params, 'params');
    const query = parseInput(smsLogQuerySchema, request.query, 'query');
    const row = await findUserRow(ctx.db, principal.orgId, user);
    return smsLog(ctx.db, { userId: row.id, limit: query.limit, cursor: query.cursor });
  });
}
