// "My email is not allowed / public email domain": the event refuses addresses at public
// email providers (gmail.com, outlook.com, mailinator...). The log names the refusal (the
// registration form's public_domain, or a webhook's refused_address with that rule) and
// the platform's own check says what the event accepts; the caller registers with their
// work address. Another address can be tried with --answer workEmail=<address>.
import { addressRefusalCheck, addressRulesCheck, lastAddressRefusal, otherAddressWords, rulesText } from '../checks/address-rules.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, type Runbook } from '../runbook.ts';

export const runbook: Runbook = {
  id: 'public-domain',
  title: 'Email not allowed: public email domain',
  group: 'common',
  phrases: [
    'my email is not allowed',
    'public email domain',
    'gmail address not accepted',
    'cannot register with my personal email',
    'addresses at hotmail are not accepted for this event',
    'private email refused',
  ],
  questions: [
    EMAIL_QUESTION,
    EVENT_QUESTION,
    { key: 'workEmail', prompt: 'Another address the caller could use, e.g. their work email (empty to skip)', flag: '--answer workEmail=<address>', optional: true },
  ],
  checks: [addressRefusalCheck, addressRulesCheck(), addressRulesCheck('workEmail', 'work-address')],
  async conclude(context) {
    const { answers, facts } = context;
    const email = answers.email!;
    const event = answers.event!;
    const check = await facts.emailCheck(event, email);
    const other = answers.workEmail ? await facts.emailCheck(event, answers.workEmail) : null;
    const refusal = await lastAddressRefusal(context);
    const domain = check?.domain || email.split('@')[1] || email;
    const tryOther = `To test another address: t1 events check-email ${event} <address> (or run this topic again with --answer workEmail=<address>).`;
    if (!check) return { explain: `There is no event ${event}.`, tell: 'Which event are you registering for? I could not find that one.', fixes: [] };
    const when = refusal ? ` The ${refusal.via} refused it at ${refusal.entry.at.slice(0, 16).replace('T', ' ')} UTC.` : '';
    if (check.reason === 'public_domain' || (!check.reason && refusal?.rule === 'public_domain')) {
      return {
        explain: `${domain} is a public email provider and ${check.event.title} accepts ${rulesText(check)}.${when} Registration with this address cannot work. ${tryOther}`,
        tell: `This event does not accept addresses at public email providers such as ${domain}. Please register with your work (company) email address.${otherAddressWords(other)}`,
        fixes: [],
      };
    }
    if (check.reason === 'domain_not_approved') {
      return {
        explain: `${check.event.title} accepts ${rulesText(check)}; ${domain} is not one of them.${when} ${tryOther}`,
        tell: `Registration for this event is open to addresses at ${check.approvedDomains.join(', ')} only. Please register with your address at one of those.${otherAddressWords(other)}`,
        fixes: [],
      };
    }
    if (check.reason === 'invalid_email') {
      return {
        explain: `"${email}" is not a complete email address, so it is refused before any domain rule applies.`,
        tell: 'The address does not look complete. Could you spell it for me, letter by letter? It needs a name, an @ and a domain such as company.com.',
        fixes: [],
      };
    }
    return {
      explain: `The event's rules accept ${check.email} now (${rulesText(check)})${refusal ? `, although it was refused earlier (${refusal.rule}): the event's rules may have changed since` : ', and nothing in the log refused it'}. The caller may have typed another address.`,
      tell: `Your address ${check.email} is accepted for this event. Please try registering again, and check that the address is typed exactly like this.`,
      fixes: [],
    };
  },
};
