// The caller's organisation: its 2FA policy, whether support actions need a ticket, and
// the identity questions asked before a 2FA reset. Admins change them; all can read.
import type { FastifyInstance } from 'fastify';
import { updateOrganisationBodySchema, type OrganisationSettings } from '../../../contract/schemas.ts';
import type { MfaPolicy } from '../../../contract/vocabulary.ts';
import type { PlatformContext } from '../../context.ts';
import type { OrganisationRow } from '../../storage/schema.ts';
import { organisationOf } from '../../services/registration-state.ts';
import { allowedMethods } from '../../services/sms-mfa.ts';
import { MFA_METHODS } from '../../../contract/mfa-methods.ts';
import { parseInput } from '../validation.ts';
import { caller } from './auth-hook.ts';
import { auditedAction } from './support-action.ts';

function settings(org: OrganisationRow): OrganisationSettings {
  return {
    id: org.id,
    name: org.name,
    mfaPolicy: org.mfa_policy as MfaPolicy,
    ticketRequired: org.ticket_required === 1,
    identityChecklist: JSON.parse(org.identity_checklist) as string[],
    mfaMethods: allowedMethods(org),
  };
}

export function organisationRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.get('/organisation', async (request) => settings(await organisationOf(ctx.db, caller(request, 'viewer').orgId)));

  app.patch('/organisation', async (request, reply) => {
    const body = parseInput(updateOrganisationBodySchema, request.body, 'body');
    const { reason, ticket, ...changes } = body;
    const spec = { action: 'organisation.update', role: 'admin' as const, targetLabel: 'organisation', reason, ticket };
    return auditedAction(request, reply, ctx, spec, async (s) => {
      s.setTarget({ userId: null, label: s.org.name });
      await s.trx
        .updateTable('organisations')
        .set({
          ...(changes.mfaPolicy !== undefined && { mfa_policy: changes.mfaPolicy }),
          ...(changes.ticketRequired !== undefined && { ticket_required: changes.ticketRequired ? 1 : 0 }),
          ...(changes.identityChecklist !== undefined && { identity_checklist: JSON.stringify(changes.identityChecklist) }),
          ...(changes.mfaMethods !== undefined && { mfa_methods: MFA_METHODS.filter((m) => changes.mfaMethods!.includes(m)).join(',') }),
        })
        .where('id', '=', s.org.id)
        .execute();
      const updated = settings(await organisationOf(s.trx, s.org.id));
      return {
        response: updated,
        detail: {
          ...(changes.mfaPolicy !== undefined && { mfaPolicy: changes.mfaPolicy }),
          ...(changes.ticketRequired !== undefined && { ticketRequired: changes.ticketRequired }),
          ...(changes.identityChecklist !== undefined && { identityChecklistQuestions: changes.identityChecklist.length }),
          ...(changes.mfaMethods !== undefined && { mfaMethods: changes.mfaMethods.join(',') }),
        },
      };
    });
  });
}
