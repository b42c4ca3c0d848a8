// "The screen reader / keyboard does not work on the pages": the guide's browser ladder,
// ending with the organiser's admin.
import { browserLadder, ladderBrowserCheck } from '../checks/browser-ladder.ts';
import { EMAIL_QUESTION, USER_AGENT_QUESTION, type Runbook } from '../runbook.ts';

export const runbook: Runbook = {
  id: 'accessibility-not-working',
  title: 'Accessibility features do not work on the pages',
  group: 'common',
  phrases: [
    'screen reader does not work',
    'accessibility is not working',
    'cannot use the keyboard to move through the form',
    'tab key does not reach the fields',
    'screen reader does not read the form',
    'zoom or high contrast breaks the page',
  ],
  questions: [
    EMAIL_QUESTION,
    { key: 'event', prompt: 'Which event (slug)? (empty to skip)', flag: '--event <slug>', optional: true },
    USER_AGENT_QUESTION,
    { key: 'feature', prompt: 'What does not work (e.g. screen reader, keyboard)? (empty to skip)', flag: '--answer feature=<what>', optional: true },
  ],
  checks: [ladderBrowserCheck],
  async conclude(context, findings) {
    const { answers, facts } = context;
    const event = answers.event ? await facts.event(answers.event) : null;
    const feature = answers.feature ? ` (${answers.feature})` : '';
    return browserLadder(context, findings, {
      symptom: `the accessibility features${feature} do not work`,
      retry: 'go back to the page',
      end: {
        explain: `involve the organiser's admin with what does not work${feature}, on which page, with which assistive tool and browser`,
        tell: 'If it still does not work after that, I will pass it on to the event organiser with the details, so it gets fixed.',
      },
      note: `Ask which page and which assistive tool (screen reader and its version, keyboard only, zoom) for the admin${event ? `; the event's registration address is ${event.registrationUrl}` : ''}.`,
    });
  },
};
