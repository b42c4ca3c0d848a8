// "I cannot click into some fields of the form": the guide's browser ladder; when a
// supported, restarted browser with a clean cache still cannot reach a field, it is most
// likely a defect of the form itself: the organiser's admin, and tier two in high priority.
import { browserLadder, ladderBrowserCheck } from '../checks/browser-ladder.ts';
import { registrationOpenCheck } from '../checks/registration-open.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, USER_AGENT_QUESTION, type Runbook } from '../runbook.ts';

export const runbook: Runbook = {
  id: 'fields-not-reachable',
  title: 'Some fields of the registration form cannot be reached',
  group: 'common',
  phrases: [
    'cannot click into a field',
    'field cannot be reached',
    'cannot type in the field',
    'country list does not open',
    'field is greyed out',
    'cannot select anything in the form',
  ],
  questions: [EMAIL_QUESTION, EVENT_QUESTION, USER_AGENT_QUESTION, { key: 'field', prompt: 'Which field can they not reach? (empty to skip)', flag: '--answer field=<field name>', optional: true }],
  checks: [registrationOpenCheck, ladderBrowserCheck],
  async conclude(context, findings) {
    const { answers, facts } = context;
    const event = await facts.event(answers.event!);
    const which = answers.field ? `the "${answers.field}" field` : 'some fields';
    const where = event ? event.registrationUrl : `the registration page of ${answers.event}`;
    return browserLadder(context, findings, {
      symptom: `you cannot reach ${answers.field ? `the ${answers.field} field` : 'those fields'}`,
      retry: `go back to the registration page (${where})`,
      end: {
        explain: `involve the organiser's admin: a field that a supported browser cannot reach is most likely a defect of the form, for tier two in high priority`,
        tell: 'If the field still cannot be reached after that, it is most likely a fault on our side: I will pass it on to our technical team as urgent, together with the event organiser.',
        escalate: `High priority: on a supported browser, after a restart and a cleared cache, ${which} still cannot be reached. Likely a product defect: escalate with the field, the browser and device, ${where} and a screenshot.`,
      },
      note: `Ask which field it is (and for a screenshot) for the ticket: the registration address is ${where}.`,
    });
  },
};
