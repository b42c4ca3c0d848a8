// "I can't scan the QR code": the setup page shows a setup key under "Can't scan it?"
// that the person types into their authenticator app instead. It needs a working setup
// link; when none is waiting, a new one is emailed.
import { formatUtc } from '../../cli/render/format.ts';
import { linkStateCheck } from '../checks/emailed-links.ts';
import { newEnrollmentFix, twoFactorCheck } from '../checks/two-factor.ts';
import { EMAIL_QUESTION, finding, type Runbook } from '../runbook.ts';

const SETUP_KEY_STEPS =
  'On the setup page, under the QR code, look for "Can\'t scan it?" and the setup key next to it. In your authenticator app, choose to add an account by entering a key (it may be called "Enter a setup key" or "Enter code manually"), type the key exactly as shown, and choose a time-based code if asked. Then type the six-digit code the app shows into the setup page.';

export const runbook: Runbook = {
  id: 'cannot-scan-qr',
  title: "Can't scan the QR code",
  group: 'two-factor',
  phrases: [
    "can't scan the QR code",
    'the camera does not read the QR code',
    'QR code will not scan',
    'I am on my phone and cannot scan my own screen',
    'how do I enter the setup key',
    'authenticator does not recognise the code',
  ],
  questions: [EMAIL_QUESTION],
  checks: [twoFactorCheck, linkStateCheck('mfa_enroll', 'enrollment-link')],
  async conclude({ answers, facts }, findings) {
    const email = answers.email!;
    if (finding(findings, 'two-factor')?.evidence[0] === 'no account') {
      return { explain: `No account has ${email}.`, tell: 'We have no account under that address. Please check the spelling.', fixes: [] };
    }
    const mfa = (await facts.mfa(email))!;
    if (mfa.pendingEnrollment) {
      return {
        explain: `A setup link works until ${formatUtc(mfa.pendingEnrollment.expiresAt)}; its page shows a setup key to type instead of scanning.`,
        tell: `No problem, you can type it in instead. Open the "Set up two-factor authentication" email and its link. ${SETUP_KEY_STEPS}`,
        fixes: [],
      };
    }
    if (mfa.enrolled) {
      return {
        explain: `2FA is already set up (since ${formatUtc(mfa.enrolledAt)}) and no new setup is waiting: there is no QR code to scan now.`,
        tell: 'Your two-factor authentication is already set up, so there is nothing to scan. Sign in with your password and the code from your app. If you are setting up a new phone, tell me and I will send a new setup link.',
        fixes: [newEnrollmentFix(email)],
      };
    }
    return {
      explain: 'No setup link is waiting (they last 24 hours), so there is no page with a QR code or setup key to use; a new link is needed.',
      tell: `I am emailing you a new setup link; it works for 24 hours. ${SETUP_KEY_STEPS}`,
      fixes: [newEnrollmentFix(email)],
    };
  },
};
