// Support actions on a person: verification emails, login links, set-password links,
// password resets, 2FA enrollment and removal, unlocking sign-in.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  createMagicLinkBodySchema,
  mfaEnrollmentBodySchema,
  mfaResetBodySchema,
  passwordResetBodySchema,
  referenceSchema,
  resendVerificationBodySchema,
  setPasswordLinkBodySchema,
  actionContextSchema,
  type UnlockResult,
} from '../../../contract/schemas.ts';
import type { PlatformContext } from '../../context.ts';
import { createMagicLink } from '../../services/magic-link.ts';
import { identityProof, resetMfa, startEnrollment } from '../../services/mfa.ts';
import { freshIdentityCheck } from '../../services/identity-check.ts';
import { sendSetPasswordLink, startPasswordReset } from '../../services/password.ts';
import { resendVerification } from '../../services/verification.ts';
import { clearRateLimit } from '../../services/rate-limit.ts';
import { SIGN_IN_PER_ACCOUNT } from '../../services/user-sign-in.ts';
import { parseInput } from '../validation.ts';
import { supportAction } from './support-action.ts';

const userParams = z.strictObject({ user: referenceSchema });
const unlockBodySchema = z.strictObject({ ...actionContextSchema });

export function actionRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.post('/users/:user/verification-emails', async (request, reply) => {
    const { user } = parseInput(userParams, request.params, 'params');
    const body = parseInput(resendVerificationBodySchema, request.body, 'body');
    return supportAction(request, reply, ctx, { action: 'verification.resend', role: 'agent', userRef: user, eventRef: body.event, ...body, status: 201 }, async (s) => {
      const email = await resendVerification(s.trx, s.ctx, {
        orgName: s.org.name,
        user: s.user,
        event: s.event!,
        force: body.force ?? false,
        createdBy: s.createdBy,
      });
      return { response: email, detail: { template: email.template, forced: body.force ?? false } };
    });
  });

  app.post('/users/:user/magic-links', async (request, reply) => {
    const { user } = parseInput(userParams, request.params, 'params');
    const body = parseInput(createMagicLinkBodySchema, request.body, 'body');
    return supportAction(request, reply, ctx, { action: 'magic_link.create', role: 'agent', userRef: user, eventRef: body.event, ...body, status: 201 }, async (s) => {
      const link = await createMagicLink(s.trx, s.ctx, {
        orgName: s.org.name,
        user: s.user,
        event: s.event!,
        ttlMinutes: body.ttlMinutes,
        send: body.send ?? false,
        createdBy: s.createdBy,
      });
      return { response: link, detail: { emailed: link.email !== null, expiresAt: link.expiresAt } };
    });
  });

  app.post('/users/:user/set-password-links', async (request, reply) => {
    const { user } = parseInput(userParams, request.params, 'params');
    const body = parseInput(setPasswordLinkBodySchema, request.body, 'body');
    return supportAction(request, reply, ctx, { action: 'set_password_link.send', role: 'agent', userRef: user, eventRef: body.event, ...body, status: 201 }, async (s) => {
      const email = await sendSetPasswordLink(s.trx, s.ctx, { orgName: s.org.name, user: s.user, event: s.event!, createdBy: s.createdBy });
      return { response: email, detail: { template: email.template } };
    });
  });

  app.post('/users/:user/password-resets', async (request, reply) => {
    const { user } = parseInput(userParams, request.params, 'params');
    const body = parseInput(passwordResetBodySchema, request.body, 'body');
    return supportAction(request, reply, ctx, { action: 'password.reset', role: 'agent', userRef: user, eventRef: body.event, ...body, status: 201 }, async (s) => {
      const link = await startPasswordReset(s.trx, s.ctx, {
        orgName: s.org.name,
        user: s.user,
        event: s.event,
        send: body.send ?? false,
        createdBy: s.createdBy,
      });
      return { response: link, detail: { emailed: link.email !== null, expiresAt: link.expiresAt } };
    });
  });

  app.post('/users/:user/mfa/enrollments', async (request, reply) => {
    const { user } = parseInput(userParams, request.params, 'params');
    const body = parseInput(mfaEnrollmentBodySchema, request.body, 'body');
    return supportAction(request, reply, ctx, { action: 'mfa.enrollment', role: 'agent', userRef: user, ...body, status: 201 }, async (s) => {
      const link = await startEnrollment(s.trx, s.ctx, { orgName: s.org.name, user: s.user, send: body.send ?? false, createdBy: s.createdBy });
      return { response: link, detail: { emailed: link.email !== null, expiresAt: link.expiresAt } };
    });
  });

  app.post('/users/:user/mfa/reset', async (request, reply) => {
    const { user } = parseInput(userParams, request.params, 'params');
    const body = parseInput(mfaResetBodySchema, request.body, 'body');
    return supportAction(request, reply, ctx, { action: 'mfa.reset', role: 'admin', userRef: user, ...body }, async (s) => {
      const questions = JSON.parse(s.org.identity_checklist) as string[];
      const fresh = body.identityCheck ? await freshIdentityCheck(s.trx, s.ctx, s.user.id) : null;
      const proof = identityProof(questions, body, fresh);
      const result = await resetMfa(s.trx, s.ctx, { orgName: s.org.name, user: s.user });
      const detail: Record<string, string | boolean> = { verification: proof, hadMfa: result.removed };
      if (fresh) Object.assign(detail, { evidence: 'identity_check', identityCheckedAt: fresh.checkedAt });
      return { response: result, detail };
    });
  });

  app.post('/users/:user/unlock', async (request, reply) => {
    const { user } = parseInput(userParams, request.params, 'params');
    const body = parseInput(unlockBodySchema, request.body, 'body');
    return supportAction(request, reply, ctx, { action: 'user.unlock', role: 'agent', userRef: user, ...body }, async (s) => {
      const now = ctx.clock.now().toISOString();
      const wasLocked = s.user.locked_until !== null && s.user.locked_until > now;
      await s.trx.updateTable('users').set({ locked_until: null, failed_logins: 0, updated_at: now }).where('id', '=', s.user.id).execute();
      await clearRateLimit(s.trx, SIGN_IN_PER_ACCOUNT, s.user.email);
      const response: UnlockResult = { email: s.user.email, wasLocked };
      return { response, detail: { wasLocked } };
    });
  });
}
