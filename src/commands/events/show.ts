// t1 events show <slug|id>: every setting of an event and its registrants by status.
import type { EventDetail } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatInZone, yesNo } from '../../cli/render/format.ts';

export interface Options {
  ref: string;
}

export type View = EventDetail;

export async function run(options: Options, deps: Deps): Promise<View> {
  return (await deps.client()).getEvent(options.ref);
}

export function minutesInWords(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} day${minutes === 1440 ? '' : 's'}`;
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`;
  return `${minutes} minutes`;
}

export async function render(e: View, out: Output): Promise<void> {
  out.record([
    ['Title', e.title],
    ['Slug', e.slug],
    ['Id', e.id],
    ['Starts', formatInZone(e.startsAt, e.timezone)],
    ['Ends', formatInZone(e.endsAt, e.timezone)],
    ['Time zone', e.timezone],
    ['Phase', e.phase],
    ['Registration', e.registrationOpen ? 'open' : 'closed'],
    ['Registration page', e.registrationUrl],
    ['Login method', e.loginMethod === 'magic_link' ? 'login link by email' : 'email and password'],
    ['Verifies email', yesNo(e.verifyEmail)],
    ['Approved domains', e.approvedDomains.length > 0 ? e.approvedDomains.join(', ') : 'any'],
    ['Public domains', e.refusePublicDomains ? 'refused' : 'allowed'],
    ['Password length', `${e.passwordPolicy.minLength} to ${e.passwordPolicy.maxLength} characters${e.loginMethod === 'password' ? '' : ' (when signing in with a password)'}`],
    [
      'Link lifetimes',
      `verification ${minutesInWords(e.linkLifetimes.verificationMinutes)}, login link ${minutesInWords(e.linkLifetimes.loginLinkMinutes)}, set password ${minutesInWords(e.linkLifetimes.setPasswordMinutes)}`,
    ],
    ['Form fields', e.formFields.map((f) => `${f.label}${f.required ? ' *' : ''}`).join(', ')],
    ['Webhook secret', e.webhookSecretSet ? 'set' : 'none (make one with t1 events webhook-secret)'],
    ['Registrants', `${e.registrantCount} (not counting unregistered people)`],
  ]);
  out.line();
  await out.table(
    ['Status', 'People'],
    Object.entries(e.countsByStatus).map(([status, count]) => [status, String(count)]),
  );
}
