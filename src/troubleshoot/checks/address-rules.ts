// The event's address rules (approved domains, public email providers) and the log's
// refusals of an address under them: from the registration form (registration.refused
// with reason public_domain / domain_not_approved / invalid_email) or from a webhook
// (webhook.refused, reason refused_address, the rule in its detail). The timeline of an
// address no account has holds its refused attempts, so both work before registering.
import { formatUtc } from '../../cli/render/format.ts';
import type { EmailCheck, TimelineEntry } from '../../contract/schemas.ts';
import type { Check, CheckContext } from '../runbook.ts';

export type AddressRule = 'public_domain' | 'domain_not_approved' | 'invalid_email';
const RULES: readonly string[] = ['public_domain', 'domain_not_approved', 'invalid_email'];

export interface AddressRefusal {
  entry: TimelineEntry;
  rule: AddressRule;
  via: 'registration form' | 'webhook';
}

/** The rule a timeline entry refused the address under, or null when it is not such a refusal. */
export function refusalRule(entry: TimelineEntry): AddressRule | null {
  if (entry.kind === 'registration.refused' && entry.reason && RULES.includes(entry.reason)) return entry.reason as AddressRule;
  if (entry.kind === 'webhook.refused' && entry.reason === 'refused_address') {
    const rule = entry.detail.rule;
    return typeof rule === 'string' && RULES.includes(rule) ? (rule as AddressRule) : 'domain_not_approved';
  }
  return null;
}

/** The newest refusal of the address under the event's address rules (for the event, when given). */
export async function lastAddressRefusal({ answers, facts }: CheckContext, only?: AddressRule[]): Promise<AddressRefusal | null> {
  for (const entry of await facts.timeline(answers.email!)) {
    if (answers.event && entry.eventSlug && entry.eventSlug !== answers.event) continue;
    const rule = refusalRule(entry);
    if (rule && (!only || only.includes(rule))) return { entry, rule, via: entry.kind === 'webhook.refused' ? 'webhook' : 'registration form' };
  }
  return null;
}

const RULE_WORDS: Record<AddressRule, string> = {
  public_domain: 'a public email provider the event refuses',
  domain_not_approved: "not at one of the event's approved domains",
  invalid_email: 'not a valid email address',
};

/** "any domain" or the approved domains, and whether public providers are refused. */
export function rulesText(check: Pick<EmailCheck, 'approvedDomains' | 'refusePublicDomains'>): string {
  const domains = check.approvedDomains.length > 0 ? `only addresses at ${check.approvedDomains.join(', ')}` : 'addresses at any domain';
  return `${domains}; public email providers ${check.refusePublicDomains ? 'refused' : 'allowed'}`;
}

/** Refusals of the caller's address under the address rules, from the log. */
export const addressRefusalCheck: Check = {
  id: 'address-refusal',
  title: 'Refusals of the address in the log',
  async run(context) {
    const refusal = await lastAddressRefusal(context);
    if (!refusal) return { check: 'address-refusal', verdict: 'ok', summary: `No registration with ${context.answers.email} was refused for its address.`, evidence: [] };
    const { entry, rule, via } = refusal;
    return {
      check: 'address-refusal',
      verdict: 'fail',
      summary: `The ${via} was refused at ${formatUtc(entry.at)}${entry.eventSlug ? ` for ${entry.eventSlug}` : ''}: the address is ${RULE_WORDS[rule]}.`,
      evidence: [`${entry.at} ${entry.kind} ${entry.reason ?? ''}${entry.detail.rule ? ` (${String(entry.detail.rule)})` : ''}`.trim(), ...(entry.webhookId ? [`webhook id ${entry.webhookId}`] : [])],
    };
  },
};

/** The event's rules applied to an address now, by the platform itself. */
export function addressRulesCheck(key = 'email', id = 'address-rules'): Check {
  return {
    id,
    title: key === 'email' ? "The event's address rules" : "The event's address rules for the other address",
    async run({ answers, facts }) {
      const email = answers[key];
      if (!email || !answers.event) return null;
      const check = await facts.emailCheck(answers.event, email);
      if (!check) return { check: id, verdict: 'fail', summary: `There is no event ${answers.event}.`, evidence: [] };
      const rules = rulesText(check);
      return check.accepted
        ? { check: id, verdict: 'ok', summary: `${check.email} is accepted for ${check.event.title} (${rules}).`, evidence: [`rules: ${rules}`] }
        : { check: id, verdict: 'fail', summary: `${check.email} is refused for ${check.event.title}: ${check.message ?? check.reason}`, evidence: [`reason ${check.reason}`, `rules: ${rules}`] };
    },
  };
}

/** A sentence for the caller about another address they could use, from the platform's check of it. */
export function otherAddressWords(check: EmailCheck | null | undefined): string {
  if (!check) return '';
  if (check.accepted) return ` The address ${check.email} would be accepted, so you can use that one.`;
  if (check.reason === 'public_domain') return ` The address ${check.email} would not be accepted either: it is also at a public email provider.`;
  if (check.reason === 'domain_not_approved') return ` The address ${check.email} would not be accepted either: it is not at ${check.approvedDomains.join(', ')}.`;
  return ` The address ${check.email} is not a complete email address; please check it.`;
}
