// t1 mfa qr <email> [--send] [--show]: a new 2FA enrollment link (24 hours; it replaces
// any pending one). --send emails it; --show draws it as a QR code for the person to
// open on their phone. The agent never sees the authenticator secret itself.
import type { IssuedLinkView } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc } from '../../cli/render/format.ts';
import { terminalQr } from '../../cli/render/qr.ts';
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
  send: boolean;
  show: boolean;
}

export interface View extends IssuedLinkView {
  embedded: boolean;
  /** The QR drawing of the link, when --show asked for it. */
  qr: string | null;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  if (options.send && options.show) throw usageError('Choose one of --send (email the link) and --show (draw it here).');
  await confirmAction(deps, options, `Start a new 2FA enrollment for ${options.email}? Any pending one stops working.`);
  const link = await (await deps.client()).startMfaEnrollment(
    options.email,
    { send: options.send || undefined, ...actionContext(options) },
    newIdempotencyKey(),
  );
  const view: View = {
    ...link,
    embedded: await usesEmbeddedPlatform(deps),
    qr: options.show && link.url ? await terminalQr(link.url) : null,
  };
  return checkDeliveryAfter(deps, view, options.email, link.email);
}

export function render(view: View, out: Output): void {
  if (view.email) out.line(describeEmail(view.email));
  if (view.qr) out.line(view.qr);
  if (view.url) out.line(view.url);
  out.notice(`The enrollment link works once and expires ${formatUtc(view.expiresAt)}.`);
  if (view.url) linkNotice(out, view.embedded);
  printDeliveryWarnings(view, out);
}
