// How the registration came in: the webhook of an integration (a form on a social
// network), or another way. The webhook log says what the platform received for the
// address, and what it refused.
import { ACTIVITY_REASONS, type ActivityReason } from '../../contract/activity.ts';
import { formatUtc } from '../../cli/render/format.ts';
import type { Check, Finding } from '../runbook.ts';
import { eventOf } from './emailed-links.ts';

export const webhookRegistrationCheck: Check = {
  id: 'webhook-registration',
  title: 'How the registration arrived',
  async run({ answers, facts }): Promise<Finding | null> {
    const email = answers.email!;
    const slug = await eventOf(answers, facts);
    const hooks = (await facts.timeline(email)).filter((e) => (e.kind === 'webhook.received' || e.kind === 'webhook.refused') && (!slug || !e.eventSlug || e.eventSlug === slug));
    const evidence = hooks.slice(0, 5).map((e) => `${e.at} ${e.kind}${e.reason ? ` ${e.reason}` : ''}${e.webhookId ? ` ${e.webhookId}` : ''}`);
    const user = await facts.user(email);
    const registration = user?.registrations.find((r) => r.eventSlug === slug);
    const refused = hooks.find((e) => e.kind === 'webhook.refused');
    if (!registration) {
      if (refused) {
        const why = refused.reason && Object.hasOwn(ACTIVITY_REASONS, refused.reason) ? ACTIVITY_REASONS[refused.reason as ActivityReason] : (refused.reason ?? 'no reason given');
        return { check: 'webhook-registration', verdict: 'fail', summary: `The integration's webhook for ${email} was refused at ${formatUtc(refused.at)}: ${why}.`, evidence };
      }
      return { check: 'webhook-registration', verdict: 'fail', summary: `No webhook registration for ${email} reached the platform${slug ? ` for ${slug}` : ''}.`, evidence };
    }
    const received = hooks.find((e) => e.kind === 'webhook.received');
    if (registration.type === 'webhook') {
      return { check: 'webhook-registration', verdict: 'ok', summary: `Registered by the integration's webhook${received ? ` at ${formatUtc(received.at)}` : ''}.`, evidence };
    }
    return { check: 'webhook-registration', verdict: 'warn', summary: `Registered by ${registration.type === 'registration' ? 'the registration form' : registration.type === 'invite' ? 'an invitation' : 'a bulk import'}, not by a webhook.`, evidence: [`type ${registration.type}`, ...evidence] };
  },
};
