import type { FastifyInstance } from 'fastify';
import { referenceSchema, searchUsersQuerySchema, statusQuerySchema } from '../../../contract/schemas.ts';
import type { PlatformContext } from '../../context.ts';
import { getRegistrationStatus } from '../../services/registration-status.ts';
import { searchUsers } from '../../services/user-search.ts';
import { getUserDetail } from '../../services/user-lookup.ts';
import { parseInput } from '../validation.ts';
import { caller } from './auth-hook.ts';
import { z } from 'zod';

const userParams = z.strictObject({ user: referenceSchema });

export function userRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.get('/users', async (request) => {
    const principal = caller(request, 'viewer');
    const query = parseInput(searchUsersQuerySchema, request.query, 'query');
    return searchUsers(ctx.db, principal.orgId, query);
  });

  app.get('/users/:user', async (request) => {
    const principal = caller(request, 'viewer');
    const { user } = parseInput(userParams, request.params, 'params');
    return getUserDetail(ctx.db, principal.orgId, user, ctx.clock.now());
  });

  app.get('/users/:user/status', async (request) => {
    const principal = caller(request, 'viewer');
    const { user } = parseInput(userParams, request.params, 'params');
    const { event } = parseInput(statusQuerySchema, request.query, 'query');
    return getRegistrationStatus(ctx.db, principal.orgId, user, event, ctx.clock.now());
  });
}
