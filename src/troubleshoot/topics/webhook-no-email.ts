// "I registered through LinkedIn (a partner form) and got no email": did the
// integration's registration reach the platform (webhook.received), was it refused and
// why (webhook.refused, found by the address even with no account), and what became of
// the email it caused. Nothing recorded at all: the integration on the customer's side
// did not deliver it, and its owner must look.
import { formatUtc } from '../../cli/render/format.ts';
import { ACTIVITY_REASONS, type ActivityReason } from '../../contract/activity.ts';
import type { TimelineEntry } from '../../contract/schemas.ts';
import { refusalRule, rulesText } from '../checks/address-rules.ts';
import { deliveryFor, mailDeliveryCheck, missingMailOutcome, registrationEmailFix } from '../checks/mail-delivery.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, type CheckContext, type Runbook } from '../runbook.ts';

/** The newest webhook entry (received or refused) of the address for the event. */
async function lastWebhook({ answers, facts }: CheckContext): Promise<TimelineEntry | undefined> {
  return (await facts.timeline(answers.email!)).find(
    (e) => (e.kind === 'webhook.received' || e.kind === 'webhook.refused') && (!e.eventSlug || e.eventSlug === answers.event),
  );
}

const reasonWords = (reason: string | null) => (reason && Object.hasOwn(ACTIVITY_REASONS, reason) ? ACTIVITY_REASONS[reason as ActivityReason] : (reason ?? 'no reason recorded'));

export const runbook: Runbook = {
  id: 'webhook-no-email',
  title: 'Registered through an integration (webhook) but got no email',
  group: 'common',
  phrases: [
    'registered on linkedin but got no email',
    'signed up through a partner form and nothing came',
    'webhook registration no email',
    'registered via facebook never got the email',
    'no set password email after registering on social media',
    'integration registration did not arrive',
  ],
  questions: [EMAIL_QUESTION, EVENT_QUESTION],
  checks: [
    {
      id: 'webhook',
      title: 'Registrations received from an integration',
      async run(context) {
        const entry = await lastWebhook(context);
        const email = context.answers.email!;
        if (!entry) return { check: 'webhook', verdict: 'fail', summary: `No registration from an integration arrived for ${email} (${context.answers.event}).`, evidence: [] };
        const evidence = [`${entry.at} ${entry.kind}${entry.reason ? ` ${entry.reason}` : ''}`, ...(entry.webhookId ? [`webhook id ${entry.webhookId}`] : [])];
        if (entry.kind === 'webhook.received') {
          const created = entry.detail.created !== false;
          return { check: 'webhook', verdict: 'ok', summary: `The integration's registration arrived at ${formatUtc(entry.at)}${created ? '' : ' (already registered: nothing new created)'}.`, evidence };
        }
        const rule = entry.detail.rule ? ` (${String(entry.detail.rule)})` : '';
        return { check: 'webhook', verdict: 'fail', summary: `The integration's registration was refused at ${formatUtc(entry.at)}: ${reasonWords(entry.reason)}${rule}.`, evidence };
      },
    },
    mailDeliveryCheck,
  ],
  async conclude(context) {
    const { answers, facts } = context;
    const email = answers.email!;
    const event = answers.event!;
    const entry = await lastWebhook(context);
    const details = await facts.event(event);
    const registerAt = details ? ` at ${details.registrationUrl}` : '';
    const owner = "Ask the organiser's integration owner to check the integration (LinkedIn, partner form...): that it sent this registration, to this platform's webhook address, signed with the event's current webhook secret.";
    if (!entry) {
      return {
        explain:
          `Nothing from an integration was recorded for ${email}: the registration never reached the platform. The integration on the customer's side did not send it, sent another address, ` +
          'or sent it with a signature the platform could not check (such refusals cannot be tied to an address).',
        tell: `Your registration from that form has not reached us. I am asking the event's team to check the connection. If you prefer not to wait, you can register directly${registerAt}.`,
        fixes: [],
        escalate: owner,
      };
    }
    if (entry.kind === 'webhook.refused') {
      const rule = refusalRule(entry);
      if (rule) {
        const check = await facts.emailCheck(event, email);
        const domains = check && check.approvedDomains.length > 0 ? ` The event accepts addresses at ${check.approvedDomains.join(', ')}.` : '';
        return {
          explain: `The platform refused the integration's registration of ${email}: ${reasonWords(rule)}${check ? ` (event rules: ${rulesText(check)})` : ''}. No account was made and no email sent.`,
          tell:
            rule === 'public_domain'
              ? `This event does not accept personal email addresses such as ${email.split('@')[1] ?? 'this one'}. Please register again with your work email address.${domains}`
              : `Your registration was not accepted because of the email address you gave.${domains} Please register again with an address the event accepts.`,
          fixes: [],
        };
      }
      if (entry.reason === 'shut_out') {
        return {
          explain: 'The organiser has shut this person out of the event, so the integration\'s registration changed nothing and sent nothing.',
          tell: 'Your registration could not be accepted for this event. The event organiser decides about this; I am passing your request on to them.',
          fixes: [],
          escalate: 'The person is blocked or was removed by the organiser: only the organiser can let them back in.',
        };
      }
      return {
        explain: `The integration's registration was refused (${reasonWords(entry.reason)}); the fault is in what the integration sent, not in the person's details.`,
        tell: `Your registration from that form did not come through correctly. I am asking the event's team to check the connection. Meanwhile you can register directly${registerAt}.`,
        fixes: [],
        escalate: `${owner} The platform refused it: ${reasonWords(entry.reason)}${entry.webhookId ? ` (webhook id ${entry.webhookId})` : ''}.`,
      };
    }
    return missingMailOutcome(await deliveryFor(context), await registrationEmailFix(context, email, event));
  },
};
