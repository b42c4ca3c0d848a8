// t1 sms log <email>: every text message the platform made for a person (enrolment and
// sign-in codes), newest first, with its delivery state. The number is only ever masked.
import { smsLogEntrySchema, type SmsLogEntry } from '../../contract/sms.ts';
import type { Deps } from '../../cli/deps.ts';
import type { ViewData } from '../../cli/render/data.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc } from '../../cli/render/format.ts';

export interface Options {
  email: string;
}

export interface SmsLogItem extends SmsLogEntry {
  /** Its delivery in words: "sent <time>", "queued, retrying", "failed after 5 attempts", "captured". */
  delivery: string;
}

export interface View {
  email: string;
  items: SmsLogItem[];
  /** Some message was only captured: the platform has no SMS gateway and sent nothing. */
  captured: boolean;
}

const PURPOSE_WORDS = { enroll: 'phone set-up', sign_in: 'sign-in' } as const;

const attemptsText = (n: number) => `${n} ${n === 1 ? 'attempt' : 'attempts'}`;

function delivery(e: SmsLogEntry): string {
  switch (e.status) {
    case 'sent':
      return `sent ${e.sentAt ? formatUtc(e.sentAt) : ''}`.trim() + (e.attempts > 1 ? ` after ${attemptsText(e.attempts)}` : '');
    case 'queued':
      return e.attempts > 0 ? 'queued, retrying' : 'queued';
    case 'failed':
      return e.attempts > 0 ? `failed after ${attemptsText(e.attempts)}` : 'failed';
    case 'captured':
      return 'captured';
  }
}

/** Each message with its delivery in words, for --json <fields>, --jq and --csv. */
export const data: ViewData<View> = {
  fields: [...Object.keys(smsLogEntrySchema.shape), 'delivery'],
  rows: (view) => view.items,
};

export async function run(options: Options, deps: Deps): Promise<View> {
  const items: SmsLogItem[] = [];
  for await (const entry of (await deps.client()).iterateSmsLog(options.email, { limit: 200 })) items.push({ ...entry, delivery: delivery(entry) });
  return { email: options.email, items, captured: items.some((e) => e.status === 'captured') };
}

export async function render(view: View, out: Output): Promise<void> {
  if (view.items.length === 0) {
    out.notice(`No text messages for ${view.email}.`);
    return;
  }
  await out.table(
    ['Time', 'Purpose', 'Number', 'Status', 'Attempts', 'Error'],
    view.items.map((e) => [formatUtc(e.createdAt), PURPOSE_WORDS[e.purpose], e.maskedPhone, e.delivery, String(e.attempts), e.lastError ?? '']),
  );
  if (view.captured) {
    out.notice(
      'Captured: the platform kept these text messages without sending them, because it has no SMS gateway configured, so the person never received them. ' +
        'To send them, run the platform with "t1 platform start --sms-gateway <url>" and T1_SMS_GATEWAY_SECRET.',
    );
  }
  if (out.tty && view.items[0]!.status === 'failed') out.hint('Next: the newest code never reached the phone; the error column says why. The person can ask for a new code, or sign in with a recovery code.');
}
