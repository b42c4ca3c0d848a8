// "Switching to another account asks for a code": the same email and password can reach
// several event sites (or accounts); each signs in on its own, and an account with 2FA
// asks for its code every time. The answer: sign out, sign in again, enter the code.
// The same step covers "no text message with the code arrived" for people whose codes
// come by SMS: the SMS log says whether the code left, failed or was only captured;
// then the number, the signal and SMS filters, and the five minutes a code lives.
import { formatUtc } from '../../cli/render/format.ts';
import { ACTIVITY_REASONS, type ActivityReason } from '../../contract/activity.ts';
import type { MfaStatus } from '../../contract/schemas.ts';
import { smsDeliveryCheck, SMS_CODE_MINUTES } from '../checks/sms-delivery.ts';
import { codeFailures, identityResetFixes, newEnrollmentFix, phoneEnding, twoFactorCheck } from '../checks/two-factor.ts';
import { EMAIL_QUESTION, finding, type Check, type CheckContext, type Outcome, type Runbook } from '../runbook.ts';

const accountsCheck: Check = {
  id: 'accounts',
  title: 'Event sites the credentials reach',
  async run({ answers, facts }) {
    const user = await facts.user(answers.email!);
    if (!user) return null;
    const slugs = user.registrations.map((r) => r.eventSlug);
    return {
      check: 'accounts',
      verdict: 'ok',
      summary: slugs.length > 1 ? `The same sign-in reaches ${slugs.length} event sites (${slugs.join(', ')}); each asks for a sign-in of its own.` : `Registered for ${slugs.length === 1 ? slugs[0] : 'no event'}.`,
      evidence: slugs,
    };
  },
};

const codeStepCheck: Check = {
  id: 'code-step',
  title: 'Sign-ins stopped at the code step',
  async run(context) {
    if (!(await context.facts.user(context.answers.email!))) return null;
    const failures = await codeFailures(context);
    if (failures.length === 0) return { check: 'code-step', verdict: 'ok', summary: 'No refused 2FA codes recorded.', evidence: [] };
    const last = failures[0]!;
    const why = ACTIVITY_REASONS[last.reason as ActivityReason] ?? last.reason;
    return {
      check: 'code-step',
      verdict: 'warn',
      summary: `${failures.length} refused code${failures.length === 1 ? '' : 's'}; the last at ${formatUtc(last.at)}${last.eventSlug ? ` on ${last.eventSlug}` : ''}: ${why}.`,
      evidence: failures.slice(0, 5).map((f) => `${f.at} ${f.reason} ${f.eventSlug ?? ''}`.trim()),
    };
  },
};

export const runbook: Runbook = {
  id: 'switch-account-asks-code',
  title: 'Switching to another account asks for a code',
  group: 'two-factor',
  phrases: [
    'switching to another account asks for a code',
    'other event asks for authenticator code',
    'asked for a code when I changed account',
    'one account asks for two-factor and the other does not',
    'why do I need a code for this event',
    'no SMS code arrived',
    'the text message with the code never came',
    'not receiving the verification code by text',
    'did not get the sign-in code on my phone',
  ],
  questions: [EMAIL_QUESTION],
  checks: [twoFactorCheck, accountsCheck, codeStepCheck, smsDeliveryCheck],
  async conclude(context, findings) {
    const { answers, facts } = context;
    const email = answers.email!;
    if (finding(findings, 'two-factor')?.evidence[0] === 'no account') {
      return { explain: `No account has ${email} here: the code is asked by an account elsewhere.`, tell: 'We have no account under that address. Please check which address you sign in with.', fixes: [] };
    }
    const mfa = (await facts.mfa(email))!;
    const codes = finding(findings, 'code-step');
    const wrongCodes = codes?.verdict === 'warn';
    const signInAgain =
      'Sign out of the site you are on, then sign in again with your email and password; when it asks, open your authenticator app and type the current code for this account.';
    if (mfa.methods.sms && !mfa.methods.app) return textedCodeOutcome(context, mfa, mfa.methods.sms.maskedPhone);
    if (mfa.enrolled) {
      return {
        explain: `This account uses 2FA (since ${formatUtc(mfa.enrolledAt)}), so every sign-in, on each of its event sites, asks for the code.${wrongCodes ? ' Recent codes were refused: the caller may be reading another account\'s entry in the app, or the phone clock may be off.' : ''}`,
        tell: `Each site signs you in on its own, and this account is protected with two-factor authentication, so it asks for your code. ${signInAgain}${wrongCodes ? ' Make sure you read the entry for this account (the app may hold several), and that your phone sets its time automatically.' : ''}`,
        fixes: [],
      };
    }
    if (mfa.requiredByOrganisation || mfa.pendingEnrollment) {
      return {
        explain: 'The account has no 2FA yet but must set it up: the sign-in asks for enrollment, not for an existing code.',
        tell: `This account needs two-factor authentication, and it is not set up yet. ${mfa.pendingEnrollment ? 'Open the "Set up two-factor authentication" email we sent and scan the QR code.' : 'I am emailing you a setup link: open it and scan the QR code with your authenticator app.'} Then sign out and sign in again with the code.`,
        fixes: mfa.pendingEnrollment ? [] : [newEnrollmentFix(email)],
      };
    }
    return {
      explain: 'This account does not use 2FA, so the code is asked by another account the caller reaches with the same credentials.',
      tell: `This account does not ask for a code. The account that does is another one you use with the same email and password. ${signInAgain}`,
      fixes: [],
    };
  },
};

/** The person's codes come by text message: why one did not arrive, from the SMS log, and what to try. */
async function textedCodeOutcome({ answers, facts }: CheckContext, mfa: MfaStatus, maskedPhone: string): Promise<Outcome> {
  const email = answers.email!;
  const texts = await facts.sms(email);
  const newest = texts?.[0];
  const { role } = await facts.whoAmI();
  const recovery = mfa.recoveryCodesLeft > 0 ? ` If you kept your recovery codes, one of them works instead of the texted code (you have ${mfa.recoveryCodesLeft} left).` : '';
  const reset = role === 'admin' ? identityResetFixes(email) : [];
  const resetEscalation = role === 'admin' ? undefined : 'If no code arrives even after a new one, an admin can remove 2FA after an identity check (t1 mfa reset).';
  if (newest?.status === 'captured') {
    return {
      explain: `Codes go by text to ${maskedPhone}, but the platform has no SMS provider: it keeps texts without sending them, so no code will arrive.`,
      tell: `Our system could not send the text message, so the code will not reach you, however long you wait.${recovery} Otherwise I am passing this to our technical team.`,
      fixes: reset,
      escalate: 'The platform captures text messages instead of sending them (no SMS provider configured).',
    };
  }
  const ending = phoneEnding(maskedPhone);
  const failed = newest?.status === 'failed' ? ` The last text failed${newest.lastError ? ` (${newest.lastError})` : ''}.` : '';
  return {
    explain: `Codes go by text to ${maskedPhone}.${failed} Check the number with the caller; if it is no longer theirs, see t1 troubleshoot lost-phone. Otherwise it is the phone or the network: signal, texts from short codes, SMS filters, or an expired code (${SMS_CODE_MINUTES} minutes; only the newest works).`,
    tell:
      `We text your code to the number ending in ${ending}: is that still your number? If it is, make sure the phone has signal, that it accepts texts from short numbers (automated senders), and that no SMS blocking or spam filter holds them back. ` +
      `A code works for ${SMS_CODE_MINUTES} minutes and only the newest one counts: on the sign-in page press "Text me a new code" and type it in as soon as it arrives.${recovery}`,
    fixes: reset,
    ...(resetEscalation ? { escalate: resetEscalation } : {}),
  };
}
