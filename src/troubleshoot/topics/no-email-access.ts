// "I can't get into the mailbox I signed up with": the guide's answer is to register
// again with an address they can read. The old registration stays as it is (unused);
// the organiser can remove it, and tier one cannot move a registration to another
// address. Given the new address (--answer newEmail=...), the platform says whether the
// event would accept it, and whether it is registered already.
import { addressRulesCheck, otherAddressWords, rulesText } from '../checks/address-rules.ts';
import { registrationCheck } from '../checks/registration.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, type Runbook } from '../runbook.ts';

export const runbook: Runbook = {
  id: 'no-email-access',
  title: "No access to the email they registered with",
  group: 'common',
  phrases: [
    "can't get into the mailbox I signed up with",
    'no access to my email',
    'lost access to my work email',
    'registered with the wrong email',
    'forgot the password of my email account',
    'change the email of my registration',
  ],
  questions: [
    { ...EMAIL_QUESTION, prompt: 'The address the caller registered with (the one they cannot read)' },
    EVENT_QUESTION,
    { key: 'newEmail', prompt: 'The address they can read and want to use instead (empty to skip)', flag: '--answer newEmail=<address>', optional: true },
  ],
  checks: [
    registrationCheck,
    addressRulesCheck('newEmail', 'new-address'),
    {
      id: 'new-address-registration',
      title: 'Whether the new address is registered already',
      async run({ answers, facts }) {
        const fresh = answers.newEmail;
        if (!fresh) return null;
        const status = await facts.status(fresh, answers.event!);
        if (status) return { check: 'new-address-registration', verdict: 'ok', summary: `${fresh} is already registered: ${status.explanation.statusLabel}, ${status.explanation.label}.`, evidence: [`status ${status.registration.status}/${status.registration.stage}`] };
        return { check: 'new-address-registration', verdict: 'ok', summary: `${fresh} is not registered for ${answers.event} yet.`, evidence: [] };
      },
    },
  ],
  async conclude({ answers, facts }) {
    const old = answers.email!;
    const event = answers.event!;
    const fresh = answers.newEmail;
    const details = await facts.event(event);
    const oldStatus = await facts.status(old, event);
    const where = details ? ` at ${details.registrationUrl}` : '';
    const oldWords = oldStatus
      ? `The registration under ${old} (${oldStatus.explanation.statusLabel}, ${oldStatus.explanation.label}) stays as it is and simply goes unused; the organiser can remove it if they want.`
      : `No registration for ${event} is recorded under ${old}, so there is nothing left behind.`;
    const rules = 'Tier one cannot move a registration to another address.';
    if (!fresh) {
      return {
        explain: `${rules} The caller registers again with an address they can read. ${oldWords} Run again with --answer newEmail=<address> to check the new address first.`,
        tell: `We cannot change the address of an existing registration, but you can simply register again${where} with an email address you can open. Which address would you like to use? I will check that the event accepts it.`,
        fixes: [],
      };
    }
    const check = await facts.emailCheck(event, fresh);
    const status = await facts.status(fresh, event);
    if (check && !check.accepted) {
      return {
        explain: `${rules} The new address would be refused: ${check.message ?? check.reason} (event rules: ${rulesText(check)}). ${oldWords}`,
        tell: `We cannot move your registration to another address, and you would need to register again.${otherAddressWords(check)} ${check.approvedDomains.length > 0 ? `The event accepts addresses at ${check.approvedDomains.join(', ')}.` : 'Please use your work email address.'}`,
        fixes: [],
      };
    }
    if (status) {
      return {
        explain: `${fresh} is already registered for the event (${status.explanation.statusLabel}, ${status.explanation.label}): nothing to register; send them the email their state calls for. ${oldWords}`,
        tell: `You are already registered with ${fresh}, so there is no need to register again. I am sending the registration email to that address now; please use it from now on.`,
        fixes: [{ label: `Send ${fresh} the email their registration calls for`, argv: ['verification', 'resend', fresh, '--event', event] }],
      };
    }
    return {
      explain: `${rules} ${fresh} is accepted${check ? ` (${rulesText(check)})` : ''} and not registered yet: the caller registers again with it. ${oldWords}`,
      tell: `We cannot change the address of an existing registration, but you can register again${where} with ${fresh}; that address is accepted for this event. Your old registration simply stays unused.`,
      fixes: [],
    };
  },
};
