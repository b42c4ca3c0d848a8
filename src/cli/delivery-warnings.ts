// Delivery trouble in a person's recent mail, as warnings an agent reads at the point of
// action: mails that failed, mails stuck in the queue, mails the platform only captured
// (no SMTP). One pure rule, shared by `t1 status` and every action that sends mail.
import type { EmailLogEntry } from '../contract/schemas.ts';
import { formatUtc } from './render/format.ts';

export interface DeliveryWarningOptions {
  /**
   * The command already said the mail it just made was "kept by the platform (no SMTP
   * configured)": the captured state is not repeated.
   */
  capturedAlreadyTold?: boolean;
  /** Only mails this recent count (default 7 days)... */
  windowDays?: number;
  /** ...and at most this many of the newest (default 20). */
  limit?: number;
  /** A queued mail never tried for this long is stuck (default 5 minutes). */
  stuckAfterMinutes?: number;
}

export const DELIVERY_WINDOW_DAYS = 7;
export const DELIVERY_LIMIT = 20;
export const STUCK_AFTER_MINUTES = 5;

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
const emails = (n: number) => (n === 1 ? 'an email' : `${n} emails`);
const quoted = (e: EmailLogEntry) => `"${e.subject}", ${formatUtc(e.createdAt)}`;
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** A queued mail that is not simply on its way: already retried, or waiting too long. */
export function isStuck(entry: EmailLogEntry, now: Date, stuckAfterMinutes = STUCK_AFTER_MINUTES): boolean {
  return entry.status === 'queued' && (entry.attempts > 0 || now.getTime() - Date.parse(entry.createdAt) > stuckAfterMinutes * 60_000);
}

/**
 * Warnings (plain sentences, no prefix) about the person's recent mails; none when the
 * recent mail went out. `entries` is a person's mail log in any order.
 */
export function deliveryWarnings(entries: readonly EmailLogEntry[], now: Date, options: DeliveryWarningOptions = {}): string[] {
  const since = now.getTime() - (options.windowDays ?? DELIVERY_WINDOW_DAYS) * 24 * 60 * 60_000;
  const recent = [...entries]
    .filter((e) => Date.parse(e.createdAt) >= since)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
    .slice(0, options.limit ?? DELIVERY_LIMIT);
  if (recent.length === 0) return [];
  const to = recent[0]!.recipient;
  const timeline = `each attempt is in "t1 users timeline ${to} --kind mail"`;

  // Mails made after the newest delivered one are what the person is missing now.
  const newestSent = recent.findIndex((e) => e.status === 'sent');
  const sinceDelivered = newestSent === -1 ? recent : recent.slice(0, newestSent);
  const beforeDelivered = newestSent === -1 ? [] : recent.slice(newestSent + 1);
  const warnings: string[] = [];

  const failed = sinceDelivered.filter((e) => e.status === 'failed');
  if (failed.length > 0) {
    const newest = failed[0]!;
    const consecutive = recent.slice(0, failed.length).every((e) => e.status === 'failed');
    const what = consecutive
      ? failed.length === 1 ? `The last email to ${to}` : `The last ${failed.length} emails to ${to}`
      : `${capitalise(emails(failed.length))} to ${to}`;
    warnings.push(
      `${what} failed (${failed.length === 1 ? quoted(newest) : `newest: ${quoted(newest)}`}): ${newest.lastError ?? 'no error recorded'}. ` +
        `The person did not get ${plural(failed.length, 'it', 'them')}: check the address for typos, or ask them whether their mail server blocks mail from the platform (${timeline}).`,
    );
  }

  const stuck = recent.filter((e) => isStuck(e, now, options.stuckAfterMinutes));
  if (stuck.length > 0) {
    const oldest = stuck.at(-1)!;
    const tried = stuck.find((e) => e.attempts > 0 && e.lastError);
    const are = plural(stuck.length, 'is', 'are');
    warnings.push(
      tried
        ? `${capitalise(emails(stuck.length))} to ${to} ${are} stuck in the queue (${quoted(tried)}, ${tried.attempts} failed ${plural(tried.attempts, 'attempt', 'attempts')}; the mail server said: ${tried.lastError}). ` +
            `The platform keeps retrying, but the person has not got ${plural(stuck.length, 'it', 'them')} yet; if it goes on, check the address for typos or ask them whether their mail server blocks mail from the platform (${timeline}).`
        : `${capitalise(emails(stuck.length))} to ${to} ${are} waiting in the queue without a delivery attempt (oldest: ${quoted(oldest)}). ` +
            `The person has not got ${plural(stuck.length, 'it', 'them')}: the platform's mail delivery may be stopped or far behind.`,
    );
  }

  // Only while the newest mails are captured: a platform that sends again is no longer capture-only.
  const firstOther = recent.findIndex((e) => e.status !== 'captured');
  const captured = firstOther === -1 ? recent : recent.slice(0, firstOther);
  if (captured.length > 0 && !options.capturedAlreadyTold) {
    warnings.push(
      `Emails are only captured on this platform (no SMTP server configured): nothing reaches ${to}, who never got the last ${plural(captured.length, 'email', `${captured.length} emails`)}. ` +
        'To send email, the platform must run with "t1 platform start --smtp <url>" (or T1_SMTP_URL).',
    );
  }

  const earlier = beforeDelivered.filter((e) => e.status === 'failed');
  if (earlier.length > 0) {
    const newest = earlier[0]!;
    warnings.push(
      `${capitalise(emails(earlier.length))} to ${to} failed earlier (${earlier.length === 1 ? quoted(newest) : `newest: ${quoted(newest)}`}): ${newest.lastError ?? 'no error recorded'}. ` +
        `A later one was delivered, so the address works, but the person never got ${plural(earlier.length, 'that one', 'those')}.`,
    );
  }
  return warnings;
}
