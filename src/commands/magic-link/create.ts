// t1 magic-link create <email> --event E [--ttl 15m] [--send]: a single-use login link,
// printed for the agent to pass on, or emailed to the person.
import { MAX_LINK_TTL_MINUTES, type IssuedLinkView } from '../../contract/schemas.ts';
import { usageError } from '../../cli/errors.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc } from '../../cli/render/format.ts';
import {
  actionContext,
  confirmAction,
  describeEmail,
  linkNotice,
  newIdempotencyKey,
  parseDurationMinutes,
  usesEmbeddedPlatform,
  type ActionFlags,
} from '../support.ts';
import { checkDeliveryAfter, printDeliveryWarnings } from '../delivery-check.ts';

export interface Options extends ActionFlags {
  email: string;
  event: string;
  ttl?: string;
  send: boolean;
}

export interface View extends IssuedLinkView {
  embedded: boolean;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const ttlMinutes = options.ttl === undefined ? undefined : parseDurationMinutes(options.ttl, '--ttl');
  if (ttlMinutes !== undefined && (ttlMinutes < 1 || ttlMinutes > MAX_LINK_TTL_MINUTES)) {
    throw usageError(`--ttl "${options.ttl}" is out of range: a login link lives at least 1 minute and at most 7 days.`);
  }
  const verb = options.send ? 'Email' : 'Create';
  await confirmAction(deps, options, `${verb} a login link for ${options.email} (${options.event})?`);
  const client = await deps.client();
  const link = await client.createMagicLink(
    options.email,
    { event: options.event, ttlMinutes, send: options.send || undefined, ...actionContext(options) },
    newIdempotencyKey(),
  );
  return checkDeliveryAfter(deps, { ...link, embedded: await usesEmbeddedPlatform(deps) }, options.email, link.email);
}

export function render(view: View, out: Output): void {
  if (view.email) out.line(describeEmail(view.email));
  if (view.url) out.line(view.url);
  out.notice(`The link works once and expires ${formatUtc(view.expiresAt)}.`);
  if (view.url) linkNotice(out, view.embedded);
  printDeliveryWarnings(view, out);
}
