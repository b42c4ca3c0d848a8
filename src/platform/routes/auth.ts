// Staff sign-in for t1 (no bearer token yet): password, the organisation when several
// fit, then the second factor (or a phone to enrol, whose texted code then confirms it).
import type { FastifyInstance } from 'fastify';
import { staffLoginBodySchema, staffMfaBodySchema, staffMfaPhoneBodySchema, staffOrganisationBodySchema } from '../../contract/schemas.ts';
import type { PlatformContext } from '../context.ts';
import { staffChooseOrganisation, staffEnrolPhone, staffPasswordLogin, staffSecondFactor } from '../services/staff-login.ts';
import { parseInput } from './validation.ts';

/** The routes of `t1 login`; the metrics count their refusals as failed staff sign-ins. */
export const STAFF_SIGN_IN_ROUTES: ReadonlySet<string> = new Set(['/v1/auth/login', '/v1/auth/organisation', '/v1/auth/mfa', '/v1/auth/mfa/phone']);

export function authRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.post('/v1/auth/login', async (request) => {
    const body = parseInput(staffLoginBodySchema, request.body, 'body');
    return staffPasswordLogin(ctx, body.email, body.password, request.ip, body.organisation);
  });

  app.post('/v1/auth/organisation', async (request) => {
    const body = parseInput(staffOrganisationBodySchema, request.body, 'body');
    return staffChooseOrganisation(ctx, body.challenge, body.organisation);
  });

  app.post('/v1/auth/mfa', async (request) => {
    const body = parseInput(staffMfaBodySchema, request.body, 'body');
    return staffSecondFactor(ctx, body.challenge, body.code, String(request.id));
  });

  app.post('/v1/auth/mfa/phone', async (request) => {
    const body = parseInput(staffMfaPhoneBodySchema, request.body, 'body');
    return staffEnrolPhone(ctx, body.challenge, body.phone);
  });
}
