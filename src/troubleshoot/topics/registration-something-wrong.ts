// "Something went wrong" when registering: the guide's cause is an address outside the
// event's approved domains (the log's registration.refused, domain_not_approved). The
// platform's check lists the domains the event accepts; another address can be tried
// with --answer otherEmail=<address>. Other refusals are named from the log; a failure
// nothing explains is escalated with its time.
import { formatUtc } from '../../cli/render/format.ts';
import { describeActivity } from '../../contract/activity.ts';
import { addressRefusalCheck, addressRulesCheck, lastAddressRefusal, otherAddressWords, rulesText } from '../checks/address-rules.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, type Runbook } from '../runbook.ts';

export const runbook: Runbook = {
  id: 'registration-something-wrong',
  title: '"Something went wrong" when registering',
  group: 'errors',
  phrases: [
    'something went wrong when I register',
    'something went wrong on the registration form',
    'registration error',
    'cannot submit the registration form',
    'my company email is not accepted',
    'domain not approved',
  ],
  questions: [
    EMAIL_QUESTION,
    EVENT_QUESTION,
    { key: 'otherEmail', prompt: 'Another address the caller could use (empty to skip)', flag: '--answer otherEmail=<address>', optional: true },
  ],
  checks: [addressRefusalCheck, addressRulesCheck(), addressRulesCheck('otherEmail', 'other-address')],
  async conclude(context) {
    const { answers, facts } = context;
    const email = answers.email!;
    const event = answers.event!;
    const check = await facts.emailCheck(event, email);
    if (!check) return { explain: `There is no event ${event}.`, tell: 'Which event are you registering for? I could not find that one.', fixes: [] };
    const other = answers.otherEmail ? await facts.emailCheck(event, answers.otherEmail) : null;
    const refusal = await lastAddressRefusal(context);
    const domain = check.domain || email.split('@')[1] || email;
    const when = refusal ? ` The ${refusal.via} refused it at ${formatUtc(refusal.entry.at)}.` : '';
    const tryOther = `To test another address: t1 events check-email ${event} <address>.`;
    if (check.reason === 'domain_not_approved' || (!check.reason && refusal?.rule === 'domain_not_approved')) {
      const domains = check.approvedDomains.join(', ');
      return {
        explain: `${check.event.title} accepts ${rulesText(check)}; ${domain} is not approved, which is what the error means.${when} ${tryOther}`,
        tell: `This event is open to email addresses at ${domains || 'certain domains'} only, and ${domain} is not one of them. Please register with your address at ${check.approvedDomains.length > 1 ? 'one of those domains' : domains}. If you do not have one, the event organiser decides who can take part.${otherAddressWords(other)}`,
        fixes: [],
      };
    }
    if (check.reason === 'public_domain') {
      return {
        explain: `${domain} is a public email provider and the event refuses those (${rulesText(check)}).${when} ${tryOther}`,
        tell: `This event does not accept addresses at public email providers such as ${domain}. Please register with your work email address.${otherAddressWords(other)}`,
        fixes: [],
      };
    }
    if (check.reason === 'invalid_email') {
      return {
        explain: `"${email}" is not a complete email address.`,
        tell: 'The address does not look complete. Could you spell it for me? It needs a name, an @ and a domain such as company.com.',
        fixes: [],
      };
    }
    const timeline = await facts.timeline(email);
    const refused = timeline.find((e) => e.kind === 'registration.refused' && (!e.eventSlug || e.eventSlug === event));
    if (refused) {
      return {
        explain: `The address is accepted (${rulesText(check)}); the last refusal was for another reason: ${describeActivity(refused)} (${formatUtc(refused.at)}).`,
        tell:
          refused.reason === 'rate_limited'
            ? 'There were many attempts in a short time, so the form is paused for you. Please wait an hour and try once more.'
            : refused.reason === 'registration_closed'
              ? 'Registration for this event is closed, so the form cannot be sent any more.'
              : 'Your address is fine. The form showed what to correct next to the fields; please fill in every required field, tick the terms box, and send it again.',
        fixes: [],
      };
    }
    return {
      explain: `The address is accepted (${rulesText(check)}) and no refused registration is recorded for it: the error is not explained by the address or the form.`,
      tell: 'Your address is accepted for this event. Please try once more in a few minutes; if you see the error again, tell me the time it happened and any reference number on the page.',
      fixes: [],
      escalate: 'If it happens again with an accepted address, escalate with the time, the address, the browser and the reference number the error page shows.',
    };
  },
};
