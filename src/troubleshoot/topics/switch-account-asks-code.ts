// "Switching to another account asks for a code": the same email and password can reach
// several event sites (or accounts); each signs in on its own, and an account with 2FA
// asks for its code every time. The answer: sign out, sign in again, enter the code.
import { formatUtc } from '../../cli/render/format.ts';
import { ACTIVITY_REASONS, type ActivityReason } from '../../contract/activity.ts';
import { codeFailures, newEnrollmentFix, twoFactorCheck } from '../checks/two-factor.ts';
import { EMAIL_QUESTION, finding, type Check, type Runbook } from '../runbook.ts';

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
  ],
  questions: [EMAIL_QUESTION],
  checks: [twoFactorCheck, accountsCheck, codeStepCheck],
  async conclude({ answers, facts }, findings) {
    const email = answers.email!;
    if (finding(findings, 'two-factor')?.evidence[0] === 'no account') {
      return { explain: `No account has ${email} here: the code is asked by an account elsewhere.`, tell: 'We have no account under that address. Please check which address you sign in with.', fixes: [] };
    }
    const mfa = (await facts.mfa(email))!;
    const codes = finding(findings, 'code-step');
    const wrongCodes = codes?.verdict === 'warn';
    const signInAgain =
      'Sign out of the site you are on, then sign in again with your email and password; when it asks, open your authenticator app and type the current code for this account.';
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
