// Login links: an agent creates one (to paste, or emailed), the person opens it and
// presses the button, and the POST signs them in and uses the link up.
import { MAX_LINK_TTL_MINUTES, type IssuedLinkView } from '../../contract/schemas.ts';
import type { PlatformContext } from '../context.ts';
import type { Db } from '../storage/database.ts';
import type { EventRow, UserRow } from '../storage/schema.ts';
import { issueLink } from './link-tokens.ts';
import { notifyPerson } from './notify.ts';
import { organisationOf, refuseIfShutOut, registrationFor } from './registration-state.ts';
import { HttpError } from '../http-error.ts';

/** Used when an event does not set its own login-link lifetime. */
export const DEFAULT_LOGIN_LINK_MINUTES = 15;

export interface MagicLinkInput {
  orgName: string;
  user: UserRow;
  event: EventRow;
  ttlMinutes?: number;
  send: boolean;
  createdBy: string;
}

export async function createMagicLink(trx: Db, ctx: PlatformContext, input: MagicLinkInput): Promise<IssuedLinkView> {
  const { user, event } = input;
  refuseIfShutOut(await registrationFor(trx, user, event), user);
  // A printed link is in the agent's hands; for a 2FA account it only goes to the inbox.
  const org = await organisationOf(trx, user.org_id);
  if (!input.send && (user.mfa_confirmed_at !== null || org.mfa_policy === 'everyone')) {
    throw new HttpError('conflict', `${user.email} uses two-factor authentication; the login link can only be emailed to them.`, {
      reason: 'emailed_only',
    });
  }
  const ttlMinutes = Math.min(input.ttlMinutes ?? (event.magic_link_ttl_minutes || DEFAULT_LOGIN_LINK_MINUTES), MAX_LINK_TTL_MINUTES);
  const link = await issueLink(trx, ctx, {
    kind: 'magic_link',
    orgId: user.org_id,
    userId: user.id,
    eventId: event.id,
    ttlMinutes,
    createdBy: input.createdBy,
  });
  if (!input.send) return { url: link.url, expiresAt: link.expiresAt, email: null };
  const email = await notifyPerson(trx, ctx, {
    orgName: input.orgName,
    user,
    event,
    template: 'login_link',
    actionUrl: link.url,
    expiresAt: link.expiresAt,
  });
  return { url: null, expiresAt: link.expiresAt, email };
}
