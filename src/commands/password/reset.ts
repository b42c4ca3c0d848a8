// t1 password reset <email> [--send | --print-link]: a password-reset link that lives
// one hour, emailed (the default) or printed for the agent to pass on.
import type { IssuedLinkView } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc } from '../../cli/render/format.ts';
import {
  actionContext,
  confirmAction,
  describeEmail,
  linkNotice,
  newIdempotencyKey,
  usesEmbeddedPlatform,
  type ActionFlags,
} from '../support.ts';
import { checkDeliveryAfter, printDeliveryWarnings } from '../delivery-check.ts';

export interface Options extends ActionFlags {
  email: string;
  event?: string;
  send: boolean;
  printLink: boolean;
}

export interface View extends IssuedLinkView {
  embedded: boolean;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  if (options.send && options.printLink) throw usageError('Choose one of --send and --print-link.');
  const send = !options.printLink;
  await confirmAction(deps, options, `${send ? 'Email' : 'Create'} a password reset link for ${options.email}?`);
  const link = await (await deps.client()).startPasswordReset(
    options.email,
    { event: options.event, send, ...actionContext(options) },
    newIdempotencyKey(),
  );
  return checkDeliveryAfter(deps, { ...link, embedded: await usesEmbeddedPlatform(deps) }, options.email, link.email);
}

export function render(view: View, out: Output): void {
  if (view.email) out.line(describeEmail(view.email));
  if (view.url) out.line(view.url);
  out.notice(`The link works once and expires ${formatUtc(view.expiresAt)}. If the person uses 2FA, finishing the reset replaces it with a new enrollment.`);
  if (view.url) linkNotice(out, view.embedded);
  printDeliveryWarnings(view, out);
}
