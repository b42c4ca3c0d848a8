// t1 org show: the organisation's 2FA policy, ticket rule and identity checklist.
import type { OrganisationSettings } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';

export type Options = Record<string, never>;

export type View = OrganisationSettings;

const POLICY_WORDS = { off: 'not required', staff: 'required for staff', everyone: 'required for everyone' } as const;
const METHOD_WORDS = { app: 'authenticator app', sms: 'text message (SMS)' } as const;

export async function run(_options: Options, deps: Deps): Promise<View> {
  return (await deps.client()).getOrganisation();
}

export function render(view: View, out: Output): void {
  out.record([
    ['Organisation', view.name],
    ['Two-factor authentication', POLICY_WORDS[view.mfaPolicy]],
    ['Ticket id on support actions', view.ticketRequired ? 'required' : 'optional'],
    ['Second-factor methods', view.mfaMethods.map((m) => METHOD_WORDS[m]).join(', ')],
    ['Identity checklist', view.identityChecklist.length === 0 ? 'none (admins must use --verified-by)' : `${view.identityChecklist.length} questions`],
  ]);
  view.identityChecklist.forEach((question, i) => out.line(`  ${i + 1}. ${question}`));
}
