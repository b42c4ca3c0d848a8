// Text-message codes, from the API: the phone codes go to (masked), a phone still being
// set up, and the SMS log (each text's purpose, number, delivery state and last error,
// never the code). What the newest text did decides the verdict: failed, stuck in the
// queue, only captured (no SMS provider: nothing left the platform), or sent, and then
// whether its five minutes are over.
import type { SmsLogEntry } from '../../contract/sms.ts';
import { formatUtc } from '../../cli/render/format.ts';
import type { Check, Finding } from '../runbook.ts';

/** How long a texted code works. */
export const SMS_CODE_MINUTES = 5;
/** A text still queued after this long is stuck, not on its way. */
const STUCK_AFTER_MS = 60_000;

const PURPOSE: Record<SmsLogEntry['purpose'], string> = { sign_in: 'sign-in code', enroll: 'setup code' };

function line(text: SmsLogEntry): string {
  return `${text.createdAt} ${text.purpose} ${text.maskedPhone} ${text.status}${text.attempts > 1 ? ` after ${text.attempts} attempts` : ''}${text.lastError ? `: ${text.lastError}` : ''}`;
}

function newestVerdict(newest: SmsLogEntry, now: Date): Pick<Finding, 'verdict' | 'summary'> {
  const what = `The newest ${PURPOSE[newest.purpose]} (${formatUtc(newest.createdAt)}, to ${newest.maskedPhone})`;
  if (newest.status === 'failed') {
    return { verdict: 'fail', summary: `${what} could not be delivered${newest.lastError ? `: ${newest.lastError}` : ''}.` };
  }
  if (newest.status === 'captured') {
    return { verdict: 'fail', summary: `${what} was only captured: the platform has no SMS provider, so no text left it.` };
  }
  if (newest.status === 'queued') {
    const waiting = now.getTime() - new Date(newest.createdAt).getTime();
    if (waiting > STUCK_AFTER_MS || newest.attempts > 0) {
      return { verdict: 'warn', summary: `${what} is still waiting to be sent${newest.lastError ? ` (retried: ${newest.lastError})` : ''}.` };
    }
    return { verdict: 'ok', summary: `${what} is on its way (queued moments ago).` };
  }
  const sentAt = newest.sentAt ?? newest.createdAt;
  const expired = now.getTime() - new Date(sentAt).getTime() > SMS_CODE_MINUTES * 60_000;
  return {
    verdict: expired ? 'warn' : 'ok',
    summary: `${what} was handed to the phone network at ${formatUtc(sentAt)}${expired ? `; its ${SMS_CODE_MINUTES} minutes are over, so only a new code works now` : `; it works for ${SMS_CODE_MINUTES} minutes`}.`,
  };
}

export const smsDeliveryCheck: Check = {
  id: 'sms-delivery',
  title: 'Text messages with codes (SMS log)',
  async run({ answers, facts, now }) {
    const email = answers.email!;
    if (!(await facts.user(email))) return null;
    const mfa = (await facts.mfa(email))!;
    const phone = mfa.methods.sms;
    const pending = mfa.pending.sms;
    const texts = await facts.sms(email);
    if (!phone && !pending && (texts === null || texts.length === 0)) return null;
    const where = [
      phone ? `Codes go to ${phone.maskedPhone} (confirmed ${formatUtc(phone.confirmedAt)}).` : '',
      pending ? `A new phone, ${pending.maskedPhone}, waits for its setup code until ${formatUtc(pending.expiresAt)}.` : '',
    ]
      .filter(Boolean)
      .join(' ');
    if (texts === null) {
      return { check: 'sms-delivery', verdict: 'warn', summary: `${where} Your role cannot read the SMS log; an agent can.`.trim(), evidence: [] };
    }
    const evidence = texts.slice(0, 5).map(line);
    if (texts.length === 0) {
      return { check: 'sms-delivery', verdict: 'warn', summary: `${where} No text has been sent yet: the sign-in has not reached the code step.`.trim(), evidence };
    }
    const verdict = newestVerdict(texts[0]!, now);
    return { check: 'sms-delivery', ...verdict, summary: `${where} ${verdict.summary}`.trim(), evidence };
  },
};
