// "I do not understand how to fill in the form, or what a field means": the event's own
// form, read from the platform (its fields and which are required, how people sign in,
// the password rules, which addresses it takes, the terms box), explained field by field
// and walked through with the caller in order.
import type { EventDetail } from '../../contract/schemas.ts';
import { rulesSentence } from '../checks/password-refusals.ts';
import { EVENT_QUESTION, finding, type Runbook } from '../runbook.ts';

/** What the usual profile fields ask for; other fields go by their label. */
const MEANINGS: Record<string, string> = {
  first_name: 'your given name, as you want it shown at the event',
  last_name: 'your family name',
  country: 'the country you live or work in',
  job_title: 'your role at work, for example "Sales manager"',
  company: 'the company or organisation you work for',
};

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Which addresses the event takes, in plain words. */
function addressRule(event: EventDetail): string {
  if (event.approvedDomains.length > 0) return `it must be an address at ${list(event.approvedDomains)}`;
  if (event.refusePublicDomains) return 'it must be a work address, since addresses at public email providers such as Gmail or Outlook.com are not accepted';
  return 'any address you can open works';
}

export const runbook: Runbook = {
  id: 'form-help',
  title: 'Does not understand how to fill in the registration form',
  group: 'how-to',
  phrases: [
    'how do I fill in the form',
    'what does this field mean',
    'which fields are required',
    'what do I put in the form',
    'do I need a password',
    'help me register',
    'what is the terms box',
  ],
  questions: [EVENT_QUESTION],
  checks: [
    {
      id: 'event-form',
      title: "The event's registration form",
      async run({ answers, facts }) {
        const event = await facts.event(answers.event!);
        if (!event) return { check: 'event-form', verdict: 'fail', summary: `There is no event ${answers.event}.`, evidence: [] };
        const required = event.formFields.filter((f) => f.required).map((f) => f.label);
        const optional = event.formFields.filter((f) => !f.required).map((f) => f.label);
        const signIn =
          event.loginMethod === 'password' ? `email and password (${event.passwordPolicy.minLength} to ${event.passwordPolicy.maxLength} characters)` : 'a login link by email (no password)';
        const evidence = [
          `fields: ${event.formFields.map((f) => `${f.label}${f.required ? ' *' : ''}`).join(', ')}`,
          `login ${event.loginMethod}`,
          `approved domains: ${event.approvedDomains.join(', ') || 'any'}`,
          `public domains ${event.refusePublicDomains ? 'refused' : 'accepted'}`,
          `email verification ${event.verifyEmail ? 'on' : 'off'}`,
        ];
        if (!event.registrationOpen || event.phase === 'ended') {
          return { check: 'event-form', verdict: 'warn', summary: `Registration for ${event.title} is closed: the page shows a notice, not the form.`, evidence };
        }
        return {
          check: 'event-form',
          verdict: 'ok',
          summary: `${event.title}: required ${list(required) || 'none'}${optional.length > 0 ? `; optional ${list(optional)}` : ''}; sign-in with ${signIn}.`,
          evidence,
        };
      },
    },
  ],
  async conclude({ answers, facts }, findings) {
    const event = await facts.event(answers.event!);
    if (!event) return { explain: `There is no event "${answers.event}": check the slug.`, tell: 'I cannot find that event. Could you tell me its name, or read me the address of the page?', fixes: [] };
    if (finding(findings, 'event-form')?.verdict === 'warn') {
      return {
        explain: `${finding(findings, 'event-form')!.summary} There is no form to fill in until the organiser opens registration again.`,
        tell: `Registration for ${event.title} is closed at the moment, so there is no form to fill in. If you registered earlier, you can sign in instead.`,
        fixes: [],
      };
    }
    const password = event.loginMethod === 'password';
    const { minLength, maxLength } = event.passwordPolicy;
    const fieldLines = event.formFields.map((f) => `${f.label}${f.required ? ' (required)' : ' (optional)'}${MEANINGS[f.name] ? `: ${MEANINGS[f.name]}` : ''}`);
    const explain = [
      `The form of ${event.title} (${event.registrationUrl}). Fields marked * are required.`,
      `About you: ${fieldLines.join('; ')}.`,
      password
        ? `Sign-in details: Email (their username; ${addressRule(event)}), Password (${minLength} to ${maxLength} characters, not a common password, not the email address) and Repeat password (the same again).`
        : `Email (${addressRule(event)}). No password: this event sends a login link by email.`,
      'The fine print: the box accepting the terms and conditions and the privacy policy must be ticked, or the form is refused with "check this box".',
      event.verifyEmail ? 'After Register, they get an email with a link to verify the address; registration completes when they open it.' : 'After Register, the registration is complete at once.',
    ].join(' ');

    const required = event.formFields.filter((f) => f.required);
    const optional = event.formFields.filter((f) => !f.required);
    const steps = [
      `Open the registration page at ${event.registrationUrl}. Every field with a star (*) must be filled in.`,
      `Under "About you", type ${list(required.map((f) => `your ${f.label.toLowerCase()}`))}${optional.length > 0 ? `; you may leave ${list(optional.map((f) => f.label))} empty` : ''}.`,
      password
        ? `Then your email address: you will sign in with it later, so use one you can open; ${addressRule(event)}. Choose a password and type it again in "Repeat password": it must be ${rulesSentence(event.passwordPolicy)}.`
        : `Then your email address: ${addressRule(event)}. You do not need a password: we will email you a link to sign in.`,
      'Under "The fine print", tick the box to say you agree to the terms and conditions and the privacy policy. The form cannot be sent without it.',
      event.verifyEmail
        ? 'Press Register. We then send you an email: open it and press its button to confirm your address, and you are done.'
        : `Press Register, and you are done${password ? '' : ': the login link arrives by email'}.`,
    ];
    return {
      explain,
      tell: `Let us go through it together. ${steps.map((s, i) => `${i + 1}. ${s}`).join(' ')} If a field turns red, the message next to it says what to change.`,
      fixes: [],
    };
  },
};
