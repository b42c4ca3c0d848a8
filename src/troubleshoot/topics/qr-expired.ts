// "The QR code / 2FA setup link expired": enrollment links live 24 hours and die when a
// newer one replaces them. The fix is a new link by email; the caller can also get one
// themselves with "Forgot password", since a new password on a 2FA account comes with a
// new QR code.
import { formatUtc } from '../../cli/render/format.ts';
import { linkRefusalCheck, linkStateCheck, linksOf } from '../checks/emailed-links.ts';
import { newEnrollmentFix, twoFactorCheck } from '../checks/two-factor.ts';
import { EMAIL_QUESTION, finding, type Runbook } from '../runbook.ts';

export const runbook: Runbook = {
  id: 'qr-expired',
  title: 'The QR code or 2FA setup link has expired',
  group: 'two-factor',
  phrases: [
    'the QR code expired',
    '2FA setup link expired',
    'two-factor link no longer works',
    'authenticator setup link says expired',
    'I did not scan the QR code in time',
    'QR code is not valid anymore',
  ],
  questions: [EMAIL_QUESTION],
  checks: [twoFactorCheck, linkStateCheck('mfa_enroll', 'enrollment-link'), linkRefusalCheck('mfa_enroll', 'enrollment-refusals')],
  async conclude({ answers, facts }, findings) {
    const email = answers.email!;
    if (finding(findings, 'two-factor')?.evidence[0] === 'no account') {
      return { explain: `No account has ${email}.`, tell: 'We have no account under that address. Please check the spelling, or tell me the address the setup email came to.', fixes: [] };
    }
    const mfa = (await facts.mfa(email))!;
    const newest = (await linksOf(facts, email, 'mfa_enroll', undefined))[0];
    const refused = finding(findings, 'enrollment-refusals');
    const forgot =
      'You can also do it yourself: on the sign-in page choose "Forgot password", set a new password from the email, and you will be shown a new QR code to scan straight away.';
    if (mfa.pendingEnrollment) {
      const replacedClick = refused && /newer link/.test(refused.summary);
      return {
        explain: `A setup link sent ${formatUtc(mfa.pendingEnrollment.createdAt)} still works until ${formatUtc(mfa.pendingEnrollment.expiresAt)}.${replacedClick ? ' The caller opened an older email whose link the newer one replaced.' : ''}`,
        tell: `Please open the most recent "Set up two-factor authentication" email (sent ${formatUtc(mfa.pendingEnrollment.createdAt)}): its link works until ${formatUtc(mfa.pendingEnrollment.expiresAt)}. Older emails no longer work. If you cannot find it, I can send a new one.`,
        fixes: [newEnrollmentFix(email)],
      };
    }
    if (mfa.enrolled) {
      return {
        explain: `2FA is already set up (since ${formatUtc(mfa.enrolledAt)}); the expired link is an old one and no longer matters.`,
        tell: 'Your two-factor authentication is already set up, so you do not need that old link. Sign in with your password and the code from your authenticator app. If you no longer have the app, tell me and we will go through the lost-phone steps.',
        fixes: [],
      };
    }
    const when = newest?.state === 'expired' ? ` The last one expired ${formatUtc(newest.expiresAt)}.` : '';
    return {
      explain: `Setup links last 24 hours; none is valid now.${when} A new link replaces any older one.`,
      tell: `The setup link only lasts 24 hours, and that one has run out. I am sending you a new one now: open it within 24 hours, scan the QR code with your authenticator app and enter the code it shows. ${forgot}`,
      fixes: [newEnrollmentFix(email)],
    };
  },
};
