// t1 set-password-link send <email> --event E: a new "set your password" email for a
// person created without a password (invitation, webhook, bulk import).
import type { SentEmail } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { actionContext, confirmAction, describeEmail, newIdempotencyKey, type ActionFlags } from '../support.ts';
import { checkDeliveryAfter, printDeliveryWarnings } from '../delivery-check.ts';

export interface Options extends ActionFlags {
  email: string;
  event: string;
}

export type View = SentEmail;

export async function run(options: Options, deps: Deps): Promise<View> {
  await confirmAction(deps, options, `Email ${options.email} a new set-password link for ${options.event}?`);
  const sent = await (await deps.client()).sendSetPasswordLink(options.email, { event: options.event, ...actionContext(options) }, newIdempotencyKey());
  return checkDeliveryAfter(deps, sent, options.email, sent);
}

export function render(view: View, out: Output): void {
  out.line(describeEmail(view));
  out.hint('Any older set-password link stopped working.');
  printDeliveryWarnings(view, out);
}
