// t1 invitations send <email> --event E --first-name F --last-name L: invites a person.
// Password events email a "set me up" link; login-link events email the event site.
import type { InvitationResult } from '../../contract/schemas.ts';
import type { EventRole } from '../../contract/vocabulary.ts';
import type { Deps } from '../../cli/deps.ts';
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

export async function run(options: Options, deps: Deps): Promise<View> {
  await confirmAction(deps, options, `Invite ${options.email} to ${options.event}?`);
  const sent = await (await deps.client()).sendInvitation(
    options.event,
    { email: options.email, firstName: options.firstName, lastName: options.lastName, role: options.role, ...actionContext(options) },
    newIdempotencyKey(),
  );
  return checkDeliveryAfter(deps, sent, options.email, sent);
}

export function render(view: View, out: Output): void {
  out.line(describeEmail(view));
  printDeliveryWarnings(view, out);
}
