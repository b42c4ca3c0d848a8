// "After resetting my password it asks me to scan a new QR code": expected. A password
// reset on an account with 2FA replaces the 2FA: the old authenticator entry stops
// working and the person sets it up again from the new QR code.
import { formatUtc } from '../../cli/render/format.ts';
import { mfaRemovals, newEnrollmentFix, twoFactorCheck } from '../checks/two-factor.ts';
import { EMAIL_QUESTION, finding, type Check, type Runbook } from '../runbook.ts';

const resetCheck: Check = {
  id: 'reset-replaced-2fa',
  title: 'A password reset that replaced 2FA',
  async run(context) {
    if (!(await context.facts.user(context.answers.email!))) return null;
    const removals = await mfaRemovals(context);
    const byReset = removals.find((e) => e.kind === 'mfa.removed' && e.detail.cause === 'password_reset');
    const evidence = removals.slice(0, 5).map((e) => `${e.at} ${e.kind}${e.detail.cause ? ` cause ${String(e.detail.cause)}` : ''}`);
    if (byReset) return { check: 'reset-replaced-2fa', verdict: 'ok', summary: `The password reset of ${formatUtc(byReset.at)} replaced 2FA, as it always does.`, evidence };
    if (removals[0]) return { check: 'reset-replaced-2fa', verdict: 'warn', summary: `2FA was removed ${formatUtc(removals[0].at)} by an admin, not by a password reset.`, evidence };
    return { check: 'reset-replaced-2fa', verdict: 'warn', summary: 'No password reset replaced 2FA on this account recently.', evidence };
  },
};

export const runbook: Runbook = {
  id: 'reset-asks-new-qr',
  title: 'After a password reset it asks to scan a new QR code',
  group: 'two-factor',
  phrases: [
    'after resetting my password it asks me to scan a new QR code',
    'new QR code after password reset',
    'reset password and now it wants two-factor again',
    'my authenticator code stopped working after I changed my password',
    'asked to set up the authenticator again',
  ],
  questions: [EMAIL_QUESTION],
  checks: [twoFactorCheck, resetCheck],
  async conclude({ answers, facts }, findings) {
    const email = answers.email!;
    if (finding(findings, 'two-factor')?.evidence[0] === 'no account') {
      return { explain: `No account has ${email}.`, tell: 'We have no account under that address. Please check the spelling.', fixes: [] };
    }
    const mfa = (await facts.mfa(email))!;
    const byReset = finding(findings, 'reset-replaced-2fa')?.verdict === 'ok';
    const scan =
      'Scan the new QR code with your authenticator app and enter the code it shows. Then delete the old entry for this account in the app: it no longer works, and keeping it would only confuse you at the next sign-in.';
    if (mfa.enrolled) {
      return {
        explain: `${byReset ? 'The reset replaced 2FA, and the' : 'The'} person has set 2FA up again since ${formatUtc(mfa.enrolledAt)}.`,
        tell: `That is expected: choosing a new password also renews your two-factor setup, and you have already scanned the new code. Use the newest entry for this account in your app and delete the old one.`,
        fixes: [],
      };
    }
    if (mfa.pendingEnrollment) {
      return {
        explain: `${byReset ? 'Expected: a password reset on a 2FA account replaces 2FA with a new enrollment.' : 'The account waits for a new 2FA enrollment.'} The enrollment link works until ${formatUtc(mfa.pendingEnrollment.expiresAt)}.`,
        tell: `That is expected: for your security, choosing a new password also renews your two-factor setup. ${scan}`,
        fixes: [],
      };
    }
    return {
      explain: `${byReset ? 'The reset replaced 2FA, but' : 'No'} enrollment link is waiting now (it lasts 24 hours). A new one by email lets the person finish.`,
      tell: `That is expected: choosing a new password also renews your two-factor setup. The page with the new QR code has expired, so I am emailing you a new setup link. ${scan}`,
      fixes: [newEnrollmentFix(email)],
    };
  },
};
