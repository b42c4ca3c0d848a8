import type { FastifyInstance } from 'fastify';
import { createTokenBodySchema, type WhoAmI } from '../../../contract/schemas.ts';
import type { PlatformContext } from '../../context.ts';
import { issueApiToken, principalLabel, requireRole } from '../../services/staff-auth.ts';
import { revokeSession } from '../../services/staff-login.ts';
import { parseInput } from '../validation.ts';
import { caller } from './auth-hook.ts';

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
    const principal = caller(request, 'admin');
    const body = parseInput(createTokenBodySchema, request.body, 'body');
    // Nobody hands out more than they hold.
    requireRole(principal, body.role);
    const now = ctx.clock.now();
    const issued = await issueApiToken(ctx.db, ctx, {
      orgId: principal.orgId,
      role: body.role,
      name: body.name,
      staffId: principal.staff?.id ?? null,
      createdBy: principalLabel(principal),
      expiresAt: body.expiresInDays ? new Date(now.getTime() + body.expiresInDays * 86_400_000) : null,
    });
    return reply.status(201).send(issued);
  });
}
