// t1 identity send-code <email>: emails the person a one-time code (10 minutes, 5 tries)
// for them to read back, so the agent knows they hold the mailbox before 2FA is removed.
// The agent never sees the code: it is in the person's email only.
import type { IdentityCodeResult } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc } from '../../cli/render/format.ts';
import { checkDeliveryAfter, printDeliveryWarnings } from '../delivery-check.ts';
import { actionContext, confirmAction, describeEmail, newIdempotencyKey, type ActionFlags } from '../support.ts';

export interface Options extends ActionFlags {
  email: string;
}

export type View = IdentityCodeResult;

export async function run(options: Options, deps: Deps): Promise<View> {
  await confirmAction(deps, options, `Email a one-time verification code to ${options.email}? An older code stops working.`);
  const sent = await (await deps.client()).sendIdentityCode(options.email, actionContext(options), newIdempotencyKey());
  return checkDeliveryAfter(deps, sent, options.email, sent.email);
}

export function render(view: View, out: Output): void {
  out.line(describeEmail(view.email));
  out.notice(`Ask the caller to read the code back; it works until ${formatUtc(view.expiresAt)}, 5 tries. Then: t1 identity check ${view.email.recipient} <code>`);
  printDeliveryWarnings(view, out);
}
