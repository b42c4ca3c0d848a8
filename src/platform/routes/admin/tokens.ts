// Who the caller is, signing out, and API tokens: create, list, show, revoke (admin).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createTokenBodySchema, listTokensQuerySchema, revokeTokenBodySchema, tokenIdSchema, type WhoAmI } from '../../../contract/schemas.ts';
import type { PlatformContext } from '../../context.ts';
import { findApiToken, listApiTokens, revokeApiToken } from '../../services/api-tokens.ts';
import { issueApiToken, requireRole } from '../../services/staff-auth.ts';
import { auditedAction } from './support-action.ts';
import { revokeSession } from '../../services/staff-login.ts';
import { parseInput } from '../validation.ts';
import { caller } from './auth-hook.ts';

const tokenParams = z.strictObject({ id: tokenIdSchema });

export function tokenRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.get('/whoami', async (request): Promise<WhoAmI> => {
    const principal = caller(request, 'viewer');
    return {
      organisation: { id: principal.orgId, name: principal.orgName },
      role: principal.role,
      via: principal.via,
      tokenName: principal.tokenName,
      staff: principal.staff,
    };
  });

  app.post('/auth/logout', async (request) => {
    const principal = caller(request, 'viewer');
    if (principal.via === 'session') await revokeSession(ctx, principal.tokenId);
    return { revoked: principal.via === 'session' };
  });

  app.post('/tokens', async (request, reply) => {
    const body = parseInput(createTokenBodySchema, request.body, 'body');
    const spec = { action: 'token.create', role: 'admin' as const, targetLabel: `token:${body.name}`, status: 201 };
    return auditedAction(request, reply, ctx, spec, async (s) => {
      s.setTarget({ userId: null, label: `token:${body.name}` });
      // Nobody hands out more than they hold.
      requireRole(s.principal, body.role);
      const issued = await issueApiToken(s.trx, ctx, {
        orgId: s.principal.orgId,
        role: body.role,
        name: body.name,
        staffId: s.principal.staff?.id ?? null,
        createdBy: s.createdBy,
        lifetime: body.expires,
      });
      return { response: issued, detail: { role: body.role, expiresAt: issued.expiresAt } };
    });
  });

  // Tokens are an admin's business: a list shows who holds access, even without secrets.
  app.get('/tokens', async (request) => {
    const principal = caller(request, 'admin');
    const query = parseInput(listTokensQuerySchema, request.query, 'query');
    return listApiTokens(ctx.db, { orgId: principal.orgId, limit: query.limit, cursor: query.cursor, now: ctx.clock.now() });
  });

  app.get('/tokens/:id', async (request) => {
    const principal = caller(request, 'admin');
    const { id } = parseInput(tokenParams, request.params, 'params');
    return findApiToken(ctx.db, principal.orgId, id, ctx.clock.now());
  });

  app.post('/tokens/:id/revoke', async (request, reply) => {
    const { id } = parseInput(tokenParams, request.params, 'params');
    const body = parseInput(revokeTokenBodySchema, request.body, 'body');
    const spec = { action: 'token.revoke', role: 'admin' as const, targetLabel: `token:${id}`, ...body };
    return auditedAction(request, reply, ctx, spec, async (s) => {
      // Names repeat; the id is what the audit trail needs to tell tokens apart.
      s.setTarget({ userId: null, label: `token:${id}` });
      const revoked = await revokeApiToken(s.trx, { orgId: s.principal.orgId, id, by: s.createdBy, now: ctx.clock.now() });
      return {
        response: revoked,
        detail: { name: revoked.token.name, role: revoked.token.role, alreadyRevoked: revoked.alreadyRevoked },
      };
    });
  });
}
