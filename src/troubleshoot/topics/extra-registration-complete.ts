// "I got two (an additional) Registration Complete emails": each "registration complete"
// email carries what caused it. Registering again with an address that is already
// registered creates nothing and sends "registration complete" instead; so does the
// activation page for a verified address, an agent's resend, or an integration
// sending the person again. Nothing needs fixing.
import { formatUtc } from '../../cli/render/format.ts';
import { causeText } from '../../contract/activity.ts';
import type { EmailLogEntry } from '../../contract/schemas.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, type CheckContext, type Runbook } from '../runbook.ts';

async function completeMails({ answers, facts }: CheckContext): Promise<EmailLogEntry[]> {
  return (await facts.mails(answers.email!))
    .filter((m) => m.template === 'registration_complete' && (!answers.event || m.eventSlug === answers.event))
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
}

/** Why one "registration complete" email went out, in words for the agent and for the caller. */
function why(mail: EmailLogEntry): { agent: string; caller: string } {
  switch (mail.cause) {
    case 'registration_form':
      return { agent: 'the registration form was filled in again with the already registered address (nothing new was created)', caller: 'you filled in the registration form again' };
    case 'activation_page':
      return { agent: 'the "send the activation email again" page was used; the address was already verified, so it sends "registration complete"', caller: 'the "send activation email" page was used' };
    case 'agent':
      return { agent: `${causeText(mail.cause, mail.causeActor)} sent it again`, caller: 'our support team sent it to you again' };
    case 'webhook':
      return { agent: 'an integration (webhook) sent the registration again for a person already registered', caller: 'the form you registered through (such as LinkedIn) sent your registration to us again' };
    case 'verification_link':
      return { agent: 'the verification link was used: this is the normal confirmation', caller: 'you confirmed your email address' };
    case 'password_link':
      return { agent: 'a password was set from the emailed link: the normal confirmation', caller: 'you set your password' };
    case 'renew_form':
      return { agent: 'a new link was asked for on an expired link page after the address was verified', caller: 'a new link was requested from an expired link' };
    default:
      return { agent: `caused by ${causeText(mail.cause, mail.causeActor)}`, caller: 'our system sent it' };
  }
}

export const runbook: Runbook = {
  id: 'extra-registration-complete',
  title: 'Got an additional "Registration Complete" email',
  group: 'common',
  phrases: [
    'two registration complete emails',
    'additional registration complete email',
    'got the registration email twice',
    'duplicate confirmation email',
    'registered twice by mistake',
    'why did I get another registration complete',
  ],
  questions: [EMAIL_QUESTION, { ...EVENT_QUESTION, prompt: 'Which event (slug)? Leave empty for all', optional: true }],
  checks: [
    {
      id: 'registration-complete-mails',
      title: 'The "Registration Complete" emails and what caused each',
      async run(context) {
        const email = context.answers.email!;
        if (!(await context.facts.user(email))) return { check: 'registration-complete-mails', verdict: 'fail', summary: `No account has ${email}.`, evidence: [] };
        const mails = await completeMails(context);
        const repeated = (await context.facts.timeline(email)).filter((e) => e.kind === 'registration.repeated' && (!context.answers.event || e.eventSlug === context.answers.event));
        const evidence = [
          ...mails.map((m) => `${formatUtc(m.createdAt)} "${m.subject}" (${m.status}): ${why(m).agent}`),
          ...repeated.map((e) => `${formatUtc(e.at)} registered again while already registered${e.eventSlug ? ` (${e.eventSlug})` : ''}`),
        ];
        if (mails.length === 0) return { check: 'registration-complete-mails', verdict: 'warn', summary: `No "Registration Complete" email to ${email} is on record.`, evidence };
        const causes = [...new Set(mails.map((m) => causeText(m.cause, m.causeActor)))];
        return {
          check: 'registration-complete-mails',
          verdict: mails.length > 1 ? 'ok' : 'warn',
          summary: `${mails.length} "Registration Complete" email${mails.length === 1 ? '' : 's'} to ${email}, caused by ${causes.join('; ')}${repeated.length > 0 ? `; registered again ${repeated.length} time${repeated.length === 1 ? '' : 's'} while already registered` : ''}.`,
          evidence,
        };
      },
    },
  ],
  async conclude(context) {
    const email = context.answers.email!;
    if (!(await context.facts.user(email))) {
      return {
        explain: `No account has ${email}, so the platform sent it no "Registration Complete" email: the caller may be reading mail sent to another address.`,
        tell: 'I cannot find an account under that address. Could you read me the address the emails were sent to?',
        fixes: [],
      };
    }
    const mails = await completeMails(context);
    if (mails.length <= 1) {
      return {
        explain:
          mails.length === 0
            ? 'No "Registration Complete" email is on record for this address (and event): the emails may be for another event or address, or be other emails (a login link, a verification email).'
            : 'Only one "Registration Complete" email is on record for this address and event; the other email is likely for another event, or another kind of email (a login link, a verification email).',
        tell: 'I can see only one confirmation from us for this event. Could you tell me the subject and the event name of the other email, so I can check it?',
        fixes: [],
      };
    }
    const list = mails.map((m) => `${formatUtc(m.createdAt)}: ${why(m).agent}`).join('; ');
    const reasons = [...new Set(mails.slice(1).map((m) => why(m).caller))];
    return {
      explain:
        `${mails.length} "Registration Complete" emails went out (${list}). This is expected: registering again with an address that is already registered creates nothing ` +
        'and sends "Registration Complete" instead, and so does asking for the activation email, an agent resend or an integration sending the person again once the address is verified.',
      tell:
        `You received more than one because ${reasons.join(', and ')}. When an address is already registered, we do not create a second registration; we send the "Registration Complete" email again as a reminder. ` +
        'You are registered once, nothing changed, and you can use the sign-in button in any of these emails.',
      fixes: [],
    };
  },
};
