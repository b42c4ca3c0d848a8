// t1 events webhook-secret <event> (admin): makes a new signing secret for the event's
// registration webhook and prints it once. The previous secret stops working.
import type { WebhookSecret } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { actionContext, confirmAction, type ActionFlags } from '../support.ts';

export interface Options extends ActionFlags {
  event: string;
}

export type View = WebhookSecret;

export async function run(options: Options, deps: Deps): Promise<View> {
  await confirmAction(deps, options, `Replace the webhook secret of ${options.event}? Integrations using the old one stop working.`);
  return (await deps.client()).rotateWebhookSecret(options.event, actionContext(options));
}

export function render(view: View, out: Output): void {
  out.line(view.secret);
  out.notice(`New webhook secret for ${view.event}; it is shown only now. Sign POST /v1/webhooks/registrations with it (Standard Webhooks).`);
}
