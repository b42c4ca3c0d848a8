// Every admin API route needs a bearer token; the principal rides on the request.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StaffRole } from '../../../contract/vocabulary.ts';
import type { PlatformContext } from '../../context.ts';
import { authenticate, requireRole, type Principal } from '../../services/staff-auth.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function installAuth(app: FastifyInstance, ctx: PlatformContext): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    request.principal = await authenticate(ctx.db, ctx.clock, bearer);
  });
}

/** The caller, checked to hold at least `role`. */
export function caller(request: FastifyRequest, role: StaffRole): Principal {
  const principal = request.principal!;
  requireRole(principal, role);
  return principal;
}
