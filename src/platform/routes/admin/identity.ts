// Identity checks before a 2FA removal: email the person a one-time code, then record
// the code they read back to the agent. Both are support actions (agent role), audited
// like the others; the code is never in a response, the audit log or the activity log.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { identityCheckBodySchema, identityCodeBodySchema, referenceSchema } from '../../../contract/schemas.ts';
import type { PlatformContext } from '../../context.ts';
import { checkIdentityCode, sendIdentityCode } from '../../services/identity-check.ts';
import { parseInput } from '../validation.ts';
import { supportAction } from './support-action.ts';

const userParams = z.strictObject({ user: referenceSchema });

export function identityRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.post('/users/:user/identity-codes', async (request, reply) => {
    const { user } = parseInput(userParams, request.params, 'params');
    const body = parseInput(identityCodeBodySchema, request.body, 'body');
    return supportAction(request, reply, ctx, { action: 'identity.send_code', role: 'agent', userRef: user, ...body, status: 201 }, async (s) => {
      const sent = await sendIdentityCode(s.trx, s.ctx, { orgName: s.org.name, user: s.user, createdBy: s.createdBy });
      return { response: sent, detail: { expiresAt: sent.expiresAt, replacedOlder: sent.replacedOlder } };
    });
  });

  app.post('/users/:user/identity-checks', async (request, reply) => {
    const { user } = parseInput(userParams, request.params, 'params');
    const { code, ...body } = parseInput(identityCheckBodySchema, request.body, 'body');
    return supportAction(request, reply, ctx, { action: 'identity.check', role: 'agent', userRef: user, ...body }, async (s) => {
      const checked = await checkIdentityCode(s.trx, s.ctx, s.user, code);
      // A wrong try is counted even though the answer is a refusal: `refusal` commits it.
      return {
        response: checked.result,
        refusal: checked.refusal,
        detail: { verified: checked.result.verified, triesLeft: checked.result.triesLeft, ...(checked.result.validUntil ? { validUntil: checked.result.validUntil } : {}) },
      };
    });
  });
}
