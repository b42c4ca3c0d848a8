// Is the caller registered for the event, and in which status and stage?
import type { Check } from '../runbook.ts';

export const registrationCheck: Check = {
  id: 'registration',
  title: 'Registration for the event',
  async run({ answers, facts }) {
    const email = answers.email!;
    const user = await facts.user(email);
    if (!user) return { check: 'registration', verdict: 'fail', summary: `No account has ${email}.`, evidence: ['no account'] };
    const event = answers.event ?? (user.registrations.length === 1 ? user.registrations[0]!.eventSlug : undefined);
    if (!event) {
      const slugs = user.registrations.map((r) => r.eventSlug);
      return { check: 'registration', verdict: 'warn', summary: `${email} has ${slugs.length} registrations (${slugs.join(', ') || 'none'}); name the event with --event.`, evidence: slugs };
    }
    const status = await facts.status(email, event);
    if (!status) return { check: 'registration', verdict: 'fail', summary: `${email} is not registered for ${event}.`, evidence: [`no registration for ${event}`] };
    const { registration: r, explanation } = status;
    const shut = r.status === 'blocked' || r.status === 'unregistered';
    return {
      check: 'registration',
      verdict: shut ? 'fail' : 'ok',
      summary: `Registered for ${status.event.title}: ${explanation.statusLabel}, ${explanation.label}.`,
      evidence: [`status ${r.status}/${r.stage}`, `event phase ${status.event.phase}`, ...status.warnings],
    };
  },
};
