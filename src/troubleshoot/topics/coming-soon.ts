// "I only see a Coming Soon page": expected before the event starts, and the page says
// when it opens. A live event must never get that answer.
import { formatInZone } from '../../cli/render/format.ts';
import { registrationCheck } from '../checks/registration.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, finding, type Runbook } from '../runbook.ts';

export const runbook: Runbook = {
  id: 'coming-soon',
  title: 'Only sees the "coming soon" page',
  group: 'common',
  phrases: ['coming soon', 'page says coming soon', 'event not open yet', 'cannot enter the event', 'waiting page'],
  questions: [EMAIL_QUESTION, EVENT_QUESTION, { key: 'timezone', prompt: "The caller's time zone (e.g. Europe/Paris; empty for the event's)", flag: '--answer timezone=<IANA zone>', optional: true }],
  checks: [
    registrationCheck,
    {
      id: 'event-phase',
      title: 'Whether the event has started',
      async run({ answers, facts }) {
        const event = await facts.event(answers.event!);
        if (!event) return { check: 'event-phase', verdict: 'fail', summary: `There is no event ${answers.event}.`, evidence: [] };
        const zone = answers.timezone && isZone(answers.timezone) ? answers.timezone : event.timezone;
        const starts = formatInZone(event.startsAt, zone);
        if (event.phase === 'upcoming') return { check: 'event-phase', verdict: 'ok', summary: `${event.title} has not started: it opens ${starts}.`, evidence: [`starts ${event.startsAt}`] };
        if (event.phase === 'live') return { check: 'event-phase', verdict: 'fail', summary: `${event.title} is live now (since ${starts}): "coming soon" is not expected.`, evidence: [`starts ${event.startsAt}`, `ends ${event.endsAt}`] };
        return { check: 'event-phase', verdict: 'warn', summary: `${event.title} has ended.`, evidence: [`ended ${event.endsAt}`] };
      },
    },
  ],
  async conclude({ answers, facts }, findings) {
    const event = await facts.event(answers.event!);
    const phase = finding(findings, 'event-phase');
    const zone = answers.timezone && isZone(answers.timezone) ? answers.timezone : (event?.timezone ?? 'UTC');
    const starts = event ? formatInZone(event.startsAt, zone) : 'the start time';
    if (event?.phase === 'upcoming' && finding(findings, 'registration')?.verdict === 'ok') {
      return {
        explain: 'Before the start, registered people see a "coming soon" page with the start time. Nothing is wrong.',
        tell: `You are all set. The event has not started yet: it opens ${starts}. Come back then with the same sign-in and the page turns into the event.`,
        fixes: [],
      };
    }
    if (event?.phase === 'live' && finding(findings, 'registration')?.verdict === 'ok') {
      return {
        explain: `The event is live, so the caller should see the event site, not "coming soon". Their browser may show a page saved before the start.`,
        tell: 'The event has started. Please reload the page; if it still says "coming soon", close the browser, open it again and sign in once more.',
        fixes: [{ label: 'Send a fresh login link', argv: ['magic-link', 'create', answers.email!, '--event', answers.event!, '--send'] }],
        escalate: 'If the page still says "coming soon" after a reload and a new sign-in, escalate with the browser and time.',
      };
    }
    return {
      explain: phase?.verdict === 'warn' ? 'The event is over; there is nothing left to enter.' : 'The caller is not registered for this event, so the page is not the "coming soon" one they expect.',
      tell: phase?.verdict === 'warn' ? 'This event has ended, so its site no longer opens.' : 'We could not find your registration for this event. Please register first.',
      fixes: [],
    };
  },
};

function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
