// t1 status <email> [--event E]: the registration status explained, with the next step.
// Without --event a single registration is shown; several are listed (or, on a
// terminal, offered as a choice).
import type { RegistrationStatusView, RegistrationSummary } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import { notFoundError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatInZone, formatUtc, statusStage } from '../../cli/render/format.ts';
import { fetchDeliveryWarnings } from '../delivery-check.ts';

export interface Options {
  email: string;
  event?: string;
}

export type View =
  | ({ kind: 'status' } & RegistrationStatusView & {
      /** Trouble with the person's recent emails (failed, stuck, only captured); empty when none. */
      deliveryWarnings: string[];
    })
  | { kind: 'choose'; email: string; registrations: RegistrationSummary[] };

export async function run(options: Options, deps: Deps): Promise<View> {
  const client = await deps.client();
  let event = options.event;
  if (!event) {
    const user = await client.getUser(options.email);
    if (user.registrations.length === 0) {
      throw notFoundError(`${user.email} has no registrations.`, 'Check the address with "t1 users find".');
    }
    if (user.registrations.length > 1) {
      if (deps.flags.json || !deps.output.settings.interactive) {
        return { kind: 'choose', email: user.email, registrations: user.registrations };
      }
      event = await deps.prompter().select(
        `${user.email} has ${user.registrations.length} registrations. Which event?`,
        user.registrations.map((r) => ({ name: `${r.eventTitle} (${r.eventSlug})`, value: r.eventSlug })),
      );
    } else {
      event = user.registrations[0]!.eventSlug;
    }
  }
  const status = await client.getRegistrationStatus(options.email, event);
  return { kind: 'status', ...status, deliveryWarnings: await fetchDeliveryWarnings(deps, status.user.email) };
}

export async function render(view: View, out: Output): Promise<void> {
  if (view.kind === 'choose') {
    out.notice(`${view.email} has ${view.registrations.length} registrations; name one with --event <slug>.`);
    await out.table(
      ['Event', 'Title', 'Role', 'Status'],
      view.registrations.map((r) => [r.eventSlug, r.eventTitle, r.role, statusStage(r.status, r.stage)]),
    );
    return;
  }
  const { registration: r, explanation, event, user } = view;
  out.record([
    ['Person', `${user.fullName} <${user.email}>`],
    ['Event', `${event.title} (${event.slug}), ${event.phase}, starts ${formatInZone(event.startsAt, event.timezone)}`],
    ['Status', `${explanation.statusLabel}: ${explanation.label}`],
    ['Stage', statusStage(r.status, r.stage)],
    ['Role', `${r.role} (${r.type})`],
    ['Since', formatUtc(r.updatedAt)],
  ]);
  out.line();
  out.line(explanation.meaning);
  for (const warning of [...view.warnings, ...view.deliveryWarnings]) out.line(out.style.red(`! ${warning}`));
  out.line();
  out.line(`${out.style.bold('Next step:')} ${explanation.nextStep}`);
  for (const command of explanation.commands) out.line(`  $ ${command}`);
}
