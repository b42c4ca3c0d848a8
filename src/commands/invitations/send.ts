// t1 invitations send <email> --event E --first-name F --last-name L: invites a person.
// Password events email a "set me up" link; login-link events email the event site.
import type { InvitationResult } from '../../contract/schemas.ts';
import { checkEmailAddress, hiddenCharactersOf } from '../../contract/email-address.ts';
import type { EventRole } from '../../contract/vocabulary.ts';
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { actionContext, confirmAction, describeEmail, newIdempotencyKey, type ActionFlags } from '../support.ts';
import { checkDeliveryAfter, printDeliveryWarnings } from '../delivery-check.ts';

export interface Options extends ActionFlags {
  email: string;
  event: string;
  firstName: string;
  lastName: string;
  role?: EventRole;
}

export type View = InvitationResult;

/**
 * The platform's address rule, applied before anything is sent: a refused address is a
 * usage error that says where the hidden characters are, without printing them.
 */
function invitableAddress(typed: string): string {
  const checked = checkEmailAddress(typed);
  if (checked.ok) return checked.email;
  throw usageError(checked.message, checked.problem === 'hidden_characters' ? `The address holds ${hiddenCharactersOf(typed)}.` : undefined);
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const email = invitableAddress(options.email);
  await confirmAction(deps, options, `Invite ${email} to ${options.event}?`);
  const sent = await (await deps.client()).sendInvitation(
    options.event,
    { email, firstName: options.firstName, lastName: options.lastName, role: options.role, ...actionContext(options) },
    newIdempotencyKey(),
  );
  return checkDeliveryAfter(deps, sent, email, sent);
}

export function render(view: View, out: Output): void {
  out.line(describeEmail(view));
  printDeliveryWarnings(view, out);
}
