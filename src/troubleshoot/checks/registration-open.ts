// Whether the event's registration form takes registrations now: a closed or ended event
// shows "Registration is closed" instead of the form and refuses what is posted.
import type { Check } from '../runbook.ts';

export const registrationOpenCheck: Check = {
  id: 'registration-open',
  title: "The event's registration form",
  async run({ answers, facts }) {
    if (!answers.event) return null;
    const event = await facts.event(answers.event);
    if (!event) return { check: 'registration-open', verdict: 'fail', summary: `There is no event ${answers.event}.`, evidence: [] };
    const evidence = [`registration ${event.registrationOpen ? 'open' : 'closed'}`, `event phase ${event.phase}`, event.registrationUrl];
    if (!event.registrationOpen || event.phase === 'ended') {
      const why = event.phase === 'ended' ? 'the event has ended' : 'the organiser has closed registration';
      return { check: 'registration-open', verdict: 'fail', summary: `Registration for ${event.title} is closed (${why}): the page shows a notice instead of the form.`, evidence };
    }
    return { check: 'registration-open', verdict: 'ok', summary: `Registration for ${event.title} is open at ${event.registrationUrl}.`, evidence };
  },
};
