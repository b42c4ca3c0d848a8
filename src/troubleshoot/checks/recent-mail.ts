// Did the platform's recent emails reach the person's mail server? From the mail log:
// failed mails, mails stuck in the queue, mails only kept by the platform. What counts as
// stuck, and how far back to look, is the rule of the warnings actions print.
import type { EmailLogEntry } from '../../contract/schemas.ts';
import { DELIVERY_WINDOW_DAYS, isStuck } from '../../cli/delivery-warnings.ts';
import { formatUtc } from '../../cli/render/format.ts';
import type { Check, Finding } from '../runbook.ts';
import { eventOf } from './emailed-links.ts';

const quoted = (m: EmailLogEntry) => `"${m.subject}" (${formatUtc(m.createdAt)})`;

/** The mails of the last days for the event (or all), newest first, and which of them did not go out. */
export function deliveryTrouble(mails: EmailLogEntry[], now: Date, event?: string) {
  const since = now.getTime() - DELIVERY_WINDOW_DAYS * 24 * 60 * 60_000;
  const recent = mails
    .filter((m) => Date.parse(m.createdAt) >= since && (!event || !m.eventSlug || m.eventSlug === event))
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const newestSent = recent.findIndex((m) => m.status === 'sent');
  const undelivered = (newestSent === -1 ? recent : recent.slice(0, newestSent)).filter((m) => m.status === 'failed' || isStuck(m, now));
  const captured = recent.filter((m) => m.status === 'captured');
  return { recent, undelivered, captured };
}

export const recentMailCheck: Check = {
  id: 'recent-mail',
  title: 'Recent emails to the person',
  async run({ answers, facts, now }): Promise<Finding | null> {
    const email = answers.email!;
    if (!(await facts.user(email))) return null;
    const { recent, undelivered, captured } = deliveryTrouble(await facts.mails(email), now, await eventOf(answers, facts));
    const evidence = recent.slice(0, 8).map((m) => `${m.createdAt} ${m.template} ${m.status}${m.attempts > 1 ? ` after ${m.attempts} attempts` : ''}${m.lastError ? `: ${m.lastError}` : ''}`);
    if (undelivered.length > 0) {
      const newest = undelivered[0]!;
      const failedFor =
        newest.status === 'failed'
          ? 'failed'
          : newest.attempts > 0
            ? `is still queued after ${newest.attempts} failed attempt${newest.attempts === 1 ? '' : 's'}`
            : 'is still queued with no delivery attempt yet';
      const more = undelivered.length > 1 ? ` (${undelivered.length} emails not delivered since the last one that went out)` : '';
      return {
        check: 'recent-mail',
        verdict: 'fail',
        summary: `The email ${quoted(newest)} ${failedFor}: ${newest.lastError ?? 'no error recorded'}${more}.`,
        evidence,
      };
    }
    if (captured.length > 0 && captured[0] === recent[0]) {
      return { check: 'recent-mail', verdict: 'warn', summary: `The newest email ${quoted(captured[0]!)} was kept by the platform and not sent (no mail server configured).`, evidence };
    }
    if (recent.length === 0) return { check: 'recent-mail', verdict: 'ok', summary: `No emails to ${email} in the last ${DELIVERY_WINDOW_DAYS} days.`, evidence };
    return { check: 'recent-mail', verdict: 'ok', summary: `Recent emails went out; the newest was ${quoted(recent[0]!)}, ${recent[0]!.status}.`, evidence };
  },
};
