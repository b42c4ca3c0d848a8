// What became of the newest email to the person (for the event, when one is named):
// sent, on its way, stuck in the queue (retried, or waiting too long without an attempt),
// failed for good, or only captured because the platform has no mail server; and what
// to tell a caller who is missing it. The other recent emails are evidence. "Stuck" is
// the rule `t1 status` warns with. (checks/recent-mail.ts looks at every undelivered
// mail since the last one that went out; this one follows the newest mail's fate.)
import { isStuck } from '../../cli/delivery-warnings.ts';
import { formatUtc } from '../../cli/render/format.ts';
import { causeText } from '../../contract/activity.ts';
import type { EmailLogEntry } from '../../contract/schemas.ts';
import type { Check, CheckContext, Fix, Outcome, Verdict } from '../runbook.ts';

/** Only emails this recent count. */
export const DELIVERY_WINDOW_DAYS = 14;

export type DeliveryState = 'none' | 'sent' | 'on_the_way' | 'stuck' | 'failed' | 'captured';

export interface Delivery {
  state: DeliveryState;
  /** The email the state is about (the newest one), or null when there is none. */
  mail: EmailLogEntry | null;
  /** The recent emails considered, newest first. */
  recent: EmailLogEntry[];
}

/** The recent emails (of the event, when given), newest first, and what became of the newest. */
const REGISTRATION_TEMPLATES: ReadonlySet<string> = new Set([
  'verify_account',
  'registration_complete',
  'login_link',
  'set_password',
  'invitation_password',
  'invitation_login_link',
  'password_reset',
]);

export function deliveryOf(mails: readonly EmailLogEntry[], now: Date, event?: string): Delivery {
  const since = now.getTime() - DELIVERY_WINDOW_DAYS * 24 * 60 * 60_000;
  const recent = mails
    // The emails a registration sends; a later unrelated one (a 2FA or identity email)
    // says nothing about whether the registration email arrived.
    .filter((m) => Date.parse(m.createdAt) >= since && REGISTRATION_TEMPLATES.has(m.template) && (!event || m.eventSlug === null || m.eventSlug === event))
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const mail = recent[0] ?? null;
  if (!mail) return { state: 'none', mail, recent };
  const state: DeliveryState =
    mail.status === 'sent' ? 'sent' : mail.status === 'failed' ? 'failed' : mail.status === 'captured' ? 'captured' : isStuck(mail, now) ? 'stuck' : 'on_the_way';
  return { state, mail, recent };
}

/** The recent emails of the person, by the answers' email and (when given) event. */
export async function deliveryFor({ answers, facts, now }: CheckContext): Promise<Delivery> {
  return deliveryOf(await facts.mails(answers.email!), now, answers.event);
}

/** One line of evidence for an email: when, which, delivery, attempts, error, cause. */
export function mailLine(mail: EmailLogEntry): string {
  const error = mail.lastError ? `, last error: ${mail.lastError}` : '';
  const attempts = `${mail.attempts} attempt${mail.attempts === 1 ? '' : 's'}`;
  return `${formatUtc(mail.createdAt)} "${mail.subject}" (${mail.template}): ${mail.status}, ${attempts}${error}; caused by ${causeText(mail.cause, mail.causeActor)}`;
}

const VERDICTS: Record<DeliveryState, Verdict> = { none: 'warn', sent: 'ok', on_the_way: 'ok', stuck: 'warn', failed: 'fail', captured: 'fail' };

export const mailDeliveryCheck: Check = {
  id: 'mail-delivery',
  title: 'Delivery of the newest email',
  async run(context) {
    const email = context.answers.email!;
    if (!(await context.facts.user(email))) return null;
    const { state, mail, recent } = await deliveryFor(context);
    const scope = context.answers.event ? ` about ${context.answers.event}` : '';
    const evidence = recent.slice(0, 6).map(mailLine);
    const verdict = VERDICTS[state];
    if (!mail) return { check: 'mail-delivery', verdict, summary: `No email to ${email}${scope} in the last ${DELIVERY_WINDOW_DAYS} days.`, evidence };
    const what = `The newest email${scope}, "${mail.subject}" (${formatUtc(mail.createdAt)})`;
    const tries = `${mail.attempts} attempt${mail.attempts === 1 ? '' : 's'}`;
    const summaries: Record<Exclude<DeliveryState, 'none'>, string> = {
      sent: `${what}, was sent ${formatUtc(mail.sentAt)}${mail.attempts > 1 ? ` after ${tries}` : ''}: the mail server took it.`,
      on_the_way: `${what}, is queued and on its way.`,
      stuck: `${what}, is stuck in the queue (${mail.attempts > 0 ? `${tries}; the mail server said: ${mail.lastError ?? 'nothing recorded'}` : 'no delivery attempt yet'}).`,
      failed: `${what}, failed for good after ${tries}: ${mail.lastError ?? 'no error recorded'}.`,
      captured: `${what}, was only captured: the platform has no mail server configured, so nothing was sent.`,
    };
    return { check: 'mail-delivery', verdict, summary: summaries[state as Exclude<DeliveryState, 'none'>], evidence };
  },
};

/**
 * What to tell a caller who is missing an email, from what became of the newest one:
 * the guide's inbox steps when it was sent, the mail server's answer when it failed,
 * patience or an escalation when it is stuck or only captured. `resend` is the fix that
 * sends the email their state calls for.
 */
export function missingMailOutcome(delivery: Delivery, resend: Fix | null): Outcome {
  const { state, mail } = delivery;
  const fixes = resend ? [resend] : [];
  const subject = mail ? `"${mail.subject}"` : 'the email';
  switch (state) {
    case 'none':
      return {
        explain: 'No email to this address is on record for the event recently, so there is nothing to find in their inbox. Sending the right one now fixes it.',
        tell: 'I cannot see a recent email from us to you, so I am sending you a new one now. It should arrive within a few minutes.',
        fixes,
      };
    case 'captured':
      return {
        explain: `${subject} was only captured: the platform has no mail server configured, so it sends no email to anyone. Resending would be captured too.`,
        tell: 'Our system is not sending emails at the moment, so you did not miss anything in your inbox. I am passing this to the team that runs it; we will come back to you once it is fixed.',
        fixes: [],
        escalate: 'The platform is not sending any email (mail is only captured: no SMTP server configured). Escalate to the platform admin; it affects everyone.',
      };
    case 'failed':
      return {
        explain: `${subject} could not be delivered; the mail server answered: ${mail?.lastError ?? 'no error recorded'}. The address may be mistyped, or their mail server refuses mail from the platform.`,
        tell: 'Our email to you could not be delivered: your mail server refused it. Please check with me that the address is spelled correctly. If it is, ask your IT team to accept email from our event platform, and I will send it again.',
        fixes,
        escalate: 'If the address is right and their IT team allows the sender but delivery still fails, escalate with the mail server error.',
      };
    case 'stuck':
      return mail && mail.attempts > 0
        ? {
            explain: `${subject} is stuck in the queue after ${mail.attempts} attempt${mail.attempts === 1 ? '' : 's'}; their mail server keeps deferring it (${mail.lastError ?? 'no error recorded'}). The platform keeps retrying.`,
            tell: 'Your mail server has not accepted our email yet; we keep trying. Please check the address with me, and if it is right, ask your IT team whether they hold back mail from our event platform.',
            fixes: [],
            escalate: 'If it is still not delivered after an hour, escalate with the mail server error.',
          }
        : {
            explain: `${subject} has waited in the queue without a delivery attempt: the platform's mail delivery looks stopped or far behind.`,
            tell: 'Our email to you is delayed on our side. I am passing this to the team that runs our system; it should arrive once they have looked at it.',
            fixes: [],
            escalate: "The platform's mail queue is not moving (an email waits without any delivery attempt). Escalate to the platform admin.",
          };
    case 'on_the_way':
      return {
        explain: `${subject} was queued moments ago and is on its way.`,
        tell: 'The email is on its way; it usually arrives within a few minutes. Please look in your inbox, and in your spam, junk or promotions folders too.',
        fixes: [],
      };
    case 'sent':
      return {
        explain: `${subject} left the platform and their mail server accepted it. It is in their mailbox somewhere, or held by a filter on their side.`,
        tell:
          'We sent the email and your mail server accepted it. Please look in your junk, spam and promotions folders. Add our sender address to your contacts or safe senders so the next one is not filtered. ' +
          'If you use a work mailbox, look for a quarantine notice (often from "quarantine@messaging") and release our email from there. If you still cannot find it, I can send it again.',
        fixes,
      };
  }
}

/**
 * The fix that sends the registration email again: a new login link on a login-link
 * event, otherwise `verification resend` (verify your account, set your password or
 * registration complete, as the person's state calls for).
 */
export async function registrationEmailFix({ facts }: CheckContext, email: string, event: string): Promise<Fix> {
  const details = await facts.event(event);
  return details?.loginMethod === 'magic_link'
    ? { label: 'Email a new login link', argv: ['magic-link', 'create', email, '--event', event, '--send'] }
    : { label: 'Send the email their registration calls for', argv: ['verification', 'resend', email, '--event', event] };
}
