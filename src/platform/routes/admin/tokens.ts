import type { FastifyInstance } from 'fastify';
import { createTokenBodySchema, type WhoAmI } from '../../../contract/schemas.ts';
import type { PlatformContext } from '../../context.ts';
import { issueApiToken, requireRole } from '../../services/staff-auth.ts';
import { auditedAction } from './support-action.ts';
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
    const body = parseInput(createTokenBodySchema, request.body, 'body');
    const spec = { action: 'token.create', role: 'admin' as const, targetLabel: `token:${body.name}`, status: 201 };
    return auditedAction(request, reply, ctx, spec, async (s) => {
      s.setTarget({ userId: null, label: `token:${body.name}` });
      // Nobody hands out more than they hold.
      requireRole(s.principal, body.role);
      const now = ctx.clock.now();
      const issued = await issueApiToken(s.trx, ctx, {
        orgId: s.principal.orgId,
        role: body.role,
        name: body.name,
        staffId: s.principal.staff?.id ?? null,
        createdBy: s.createdBy,
        expiresAt: body.expiresInDays ? new Date(now.getTime() + body.expiresInDays * 86_400_000) : null,
      });
      return { response: issued, detail: { role: body.role, expiresAt: issued.expiresAt } };
    });
  });
}
