// "The registration form does not open": a closed registration shows a notice instead of
// the form, and someone already registered needs no form; otherwise the guide's browser
// ladder, ending with the organiser's admin (one person, or a group with something in
// common?) and an escalation when it keeps happening and can be reproduced.
import { browserLadder, ladderBrowserCheck } from '../checks/browser-ladder.ts';
import { registrationOpenCheck } from '../checks/registration-open.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, USER_AGENT_QUESTION, finding, type Check, type Runbook } from '../runbook.ts';

const SIGNED_UP = new Set(['registered', 'attended']);

/** Someone already registered does not need the form at all. */
const alreadyRegisteredCheck: Check = {
  id: 'already-registered',
  title: 'Whether they are registered already',
  async run({ answers, facts }) {
    const user = await facts.user(answers.email!);
    const mine = user?.registrations.find((r) => r.eventSlug === answers.event);
    if (!mine) return { check: 'already-registered', verdict: 'ok', summary: `${answers.email} is not registered for ${answers.event} yet: they do need the form.`, evidence: [user ? 'account, no registration for the event' : 'no account'] };
    if (SIGNED_UP.has(mine.status)) {
      return { check: 'already-registered', verdict: 'warn', summary: `${answers.email} is already registered for ${mine.eventTitle} (${mine.status}): they do not need the form.`, evidence: [`status ${mine.status}/${mine.stage}`] };
    }
    return { check: 'already-registered', verdict: 'ok', summary: `${answers.email} has a registration in status ${mine.status}: the form is the next step.`, evidence: [`status ${mine.status}/${mine.stage}`] };
  },
};

export const runbook: Runbook = {
  id: 'form-does-not-open',
  title: 'The registration form does not open',
  group: 'common',
  phrases: [
    'registration form does not open',
    'registration page will not load',
    'cannot open the form',
    'blank page when I try to register',
    'register page is stuck loading',
    'nothing happens when I click register',
  ],
  questions: [EMAIL_QUESTION, EVENT_QUESTION, USER_AGENT_QUESTION],
  checks: [registrationOpenCheck, alreadyRegisteredCheck, ladderBrowserCheck],
  async conclude(context, findings) {
    const { answers, facts } = context;
    const event = await facts.event(answers.event!);
    if (!event) {
      return {
        explain: `There is no event "${answers.event}": check the slug, or the link the caller is opening.`,
        tell: 'I cannot find that event. Could you read me the address of the page you are trying to open, or the name of the event?',
        fixes: [],
      };
    }
    const login = event.registrationUrl.replace(/\/register$/, '/login');
    if (finding(findings, 'registration-open')?.verdict === 'fail') {
      return {
        explain: `${finding(findings, 'registration-open')!.summary} Nothing is wrong with their browser; only the organiser can open registration again.`,
        tell: `Registration for ${event.title} is closed, so the page shows a notice instead of the form. If you registered earlier, you can still sign in at ${login}.`,
        fixes: [],
      };
    }
    if (finding(findings, 'already-registered')?.verdict === 'warn') {
      return {
        explain: `${finding(findings, 'already-registered')!.summary} Point them to the sign-in page instead.`,
        tell: `Good news: you are already registered for ${event.title}, so you do not need the form again. You can sign in at ${login}${event.loginMethod === 'magic_link' ? ' with a login link we email you' : ' with your email address and password'}.`,
        fixes: [],
      };
    }
    return browserLadder(context, findings, {
      symptom: 'the form does not open',
      retry: `go back to the registration page (${event.registrationUrl})`,
      end: {
        explain:
          "involve the organiser's admin: find out whether only this person has the problem or a group with something in common (the same country, the same company network, the same device), since that points to the cause",
        tell: 'If the form still does not open after that, I will check with the event organiser whether other people have the same problem, and we will take it from there.',
        escalate:
          'If the form still does not open on a supported browser after a restart and a cleared cache, and it keeps happening and can be reproduced (or the admin finds a group affected, e.g. one country or company network), escalate with the browser, the device, the registration address and the times it failed.',
      },
      note: `The registration address is ${event.registrationUrl}.`,
    });
  },
};
