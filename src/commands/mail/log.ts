// t1 mail log <email> [--event E]: every email the platform made for a person, newest
// first, with its delivery state.
import { causeText } from '../../contract/activity.ts';
import { emailLogEntrySchema, type EmailLogEntry } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { ViewData } from '../../cli/render/data.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc } from '../../cli/render/format.ts';

export interface Options {
  email: string;
  event?: string;
}

/** A mail as the log shows it: the API's entry plus what it means now. */
export interface MailLogItem extends EmailLogEntry {
  /** What led to the mail, in words ("the registration form", "agent jane@..."); '-' for older mails. */
  causeText: string;
  /** Its delivery in words: "sent <time> after 3 attempts", "queued, retrying", "captured"... */
  delivery: string;
  /**
   * The error that still matters: why a queued mail is retried, why a failed one gave up.
   * Null once sent (lastError then only tells why it went out late).
   */
  currentError: string | null;
}

export interface View {
  email: string;
  items: MailLogItem[];
  /** Some mail was only captured: the platform has no SMTP server and sent nothing. */
  captured: boolean;
}

const attemptsText = (n: number) => `${n} ${n === 1 ? 'attempt' : 'attempts'}`;

export function describeMail(e: EmailLogEntry): MailLogItem {
  const cause = e.cause === null ? '-' : causeText(e.cause, e.causeActor);
  switch (e.status) {
    case 'sent': {
      const after = e.attempts > 1 ? ` after ${attemptsText(e.attempts)}` : '';
      return { ...e, causeText: cause, delivery: `sent ${e.sentAt ? formatUtc(e.sentAt) : ''}`.trim() + after, currentError: null };
    }
    case 'queued':
      return e.attempts > 0
        ? { ...e, causeText: cause, delivery: 'queued, retrying', currentError: e.lastError ? `retrying after: ${e.lastError}` : null }
        : { ...e, causeText: cause, delivery: 'queued', currentError: null };
    case 'failed':
      return { ...e, causeText: cause, delivery: `failed after ${attemptsText(e.attempts)}`, currentError: e.lastError };
    case 'captured':
      return { ...e, causeText: cause, delivery: 'captured', currentError: null };
  }
}

/** Each mail with its delivery in words, for --json <fields>, --jq and --csv. */
export const data: ViewData<View> = {
  fields: [...Object.keys(emailLogEntrySchema.shape), 'causeText', 'delivery', 'currentError'],
  rows: (view) => view.items,
};

export async function run(options: Options, deps: Deps): Promise<View> {
  const items: MailLogItem[] = [];
  for await (const entry of (await deps.client()).iterateEmailLog(options.email, { event: options.event, limit: 200 })) items.push(describeMail(entry));
  return { email: options.email, items, captured: items.some((e) => e.status === 'captured') };
}

export async function render(view: View, out: Output): Promise<void> {
  if (view.items.length === 0) {
    out.notice(`No emails for ${view.email}.`);
    return;
  }
  // Columns 1-7 keep their places for scripts reading the tab-separated rows; Cause is new.
  await out.table(
    ['Time', 'Template', 'Subject', 'Event', 'Status', 'Attempts', 'Error', 'Cause'],
    view.items.map((e) => [formatUtc(e.createdAt), e.template, e.subject, e.eventSlug ?? '-', e.delivery, String(e.attempts), e.currentError ?? '', e.causeText]),
  );
  if (view.captured) {
    out.notice(
      'Captured: the platform kept these emails without sending them, because it has no SMTP server configured, so the person never received them. ' +
        'To send email, run the platform with "t1 platform start --smtp <url>" (or set T1_SMTP_URL).',
    );
  }
  if (view.items.some((e) => e.attempts > 1 || e.status === 'failed' || e.currentError)) {
    out.hint(`Each delivery attempt, with its error: t1 users timeline ${view.email} --kind mail`);
  }
  // A pointer for the agent at a terminal; scripts get the data alone.
  if (out.tty) out.hint(`Next: ${nextStep(view)}`);
}

function nextStep(view: View): string {
  const newest = view.items[0]!;
  if (newest.status === 'failed') return `the newest email failed for good: check the address with the caller, then send it again (t1 troubleshoot no-registration-email --email ${view.email})`;
  if (newest.status === 'queued') return 'the newest email is still on its way; if it does not arrive within a few minutes, the error column says why';
  if (newest.status === 'captured') return 'nothing was sent: the platform needs an SMTP server before any email reaches the person';
  return `the newest email went out; if the caller cannot find it, walk them through spam, junk and quarantine folders: t1 troubleshoot no-registration-email --email ${view.email}`;
}
