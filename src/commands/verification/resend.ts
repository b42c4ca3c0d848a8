// t1 verification resend <email> --event E: the email the person's state calls for —
// "verify your account" when unverified, "registration complete" when verified.
import type { SentEmail } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { actionContext, confirmAction, describeEmail, newIdempotencyKey, type ActionFlags } from '../support.ts';
import { checkDeliveryAfter, printDeliveryWarnings } from '../delivery-check.ts';

export interface Options extends ActionFlags {
  email: string;
  event: string;
  force: boolean;
}

export type View = SentEmail;

export async function run(options: Options, deps: Deps): Promise<View> {
  await confirmAction(deps, options, `Email ${options.email} about their registration for ${options.event}?`);
  const client = await deps.client();
  const sent = await client.resendVerification(
    options.email,
    { event: options.event, force: options.force || undefined, ...actionContext(options) },
    newIdempotencyKey(),
  );
  return checkDeliveryAfter(deps, sent, options.email, sent);
}

export function render(view: View, out: Output): void {
  out.line(describeEmail(view));
  if (view.template === 'registration_complete') {
    out.hint('Nothing is waiting for verification, so they got the "registration complete" email with a sign-in button.');
  } else if (view.template === 'set_password') {
    out.hint('They have no password yet, so they got a link to set one.');
  }
  printDeliveryWarnings(view, out);
}
