// t1 events check-email <event> <email>: would the event's address rules (approved
// domains, public email providers) let this address register? Nothing is registered.
import type { EmailCheck } from '../../contract/schemas.ts';
import { hasHiddenCharacters, hiddenCharactersOf } from '../../contract/email-address.ts';
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';

export interface Options {
  event: string;
  email: string;
}

export type View = EmailCheck & {
  /** Why, in words an agent can repeat; null when accepted. */
  explanation: string | null;
  /** What to tell the caller. */
  tell: string;
};

export async function run(options: Options, deps: Deps): Promise<View> {
  if (!options.email.trim()) throw usageError('Give the email address to check.', 'For example: t1 events check-email product-summit-2027 jane.doe@contoso.example');
  if (!options.event.trim()) throw usageError('Give the event (slug or id).', 'List them with "t1 events list".');
  // Sent as given: the platform's address rule decides, hidden characters included.
  const check = await (await deps.client()).checkEventEmail(options.event.trim(), options.email);
  return { ...check, ...advice(check, options.email) };
}

function advice(check: EmailCheck, typed: string): { explanation: string | null; tell: string } {
  if (check.reason === 'invalid_email' && hasHiddenCharacters(typed)) {
    return {
      explanation: `The address holds characters that cannot be seen (${hiddenCharactersOf(typed)}), as pasted text often does.`,
      tell: 'Ask the caller to type the address in by hand rather than pasting it.',
    };
  }
  switch (check.reason) {
    case null:
      return {
        explanation: null,
        tell: `The address is accepted for ${check.event.title}; the caller can register with it.`,
      };
    case 'public_domain':
      return {
        explanation: `${check.domain} is a public email provider, and this event refuses addresses at public providers.`,
        tell: 'Ask the caller to register with their work (company) email address instead.',
      };
    case 'domain_not_approved':
      return {
        explanation: `${check.domain || 'This address'} is not one of the domains this event accepts.`,
        tell: `Ask the caller to register with their address at one of: ${check.approvedDomains.join(', ')}.`,
      };
    case 'invalid_email':
      return {
        explanation: 'This is not a complete email address (it needs a name, an @ and a domain such as company.com).',
        tell: 'Read the address back to the caller and check it letter by letter.',
      };
  }
}

export function render(view: View, out: Output): void {
  const pairs: [string, string][] = [
    ['Event', `${view.event.title} (${view.event.slug})`],
    ['Email', view.email],
    ['Result', view.accepted ? 'accepted' : 'refused'],
  ];
  if (view.explanation) pairs.push(['Why', view.explanation]);
  pairs.push(['Approved domains', view.approvedDomains.length > 0 ? view.approvedDomains.join(', ') : 'any']);
  pairs.push(['Public providers', view.refusePublicDomains ? 'refused' : 'allowed']);
  out.record(pairs);
  out.line();
  out.line(`What to do: ${view.tell}`);
}
