// "I lost my phone / my authenticator app": a recovery code gets the person in if they
// kept any. Otherwise an agent starts a password reset, which replaces 2FA with a new
// setup; an admin may remove 2FA outright once the person proved who they are by
// reading back a code emailed to them (identity send-code, identity check, mfa reset).
// For people whose codes come by text, the same call is often "I changed my phone
// number": with the old number or a recovery code they sign in and change the phone on
// their account page; without either, identity checks and then mfa reset.
import { formatUtc } from '../../cli/render/format.ts';
import type { MfaStatus } from '../../contract/schemas.ts';
import { smsDeliveryCheck } from '../checks/sms-delivery.ts';
import { callerRoleCheck, identityResetFixes, newEnrollmentFix, phoneEnding, twoFactorCheck } from '../checks/two-factor.ts';
import { EMAIL_QUESTION, finding, type Check, type CheckContext, type Fix, type Outcome, type Runbook } from '../runbook.ts';

const recoveryCheck: Check = {
  id: 'recovery-codes',
  title: 'Recovery codes',
  async run({ answers, facts }) {
    const mfa = await facts.mfa(answers.email!);
    if (!mfa?.enrolled) return null;
    const used = (await facts.timeline(answers.email!)).filter((e) => e.kind === 'mfa.recovery_code_used');
    const last = used[0] ? ` (the last one used ${formatUtc(used[0].at)})` : '';
    const left = mfa.recoveryCodesLeft;
    return {
      check: 'recovery-codes',
      verdict: left > 0 ? 'ok' : 'fail',
      summary: left > 0 ? `${left} recovery code${left === 1 ? '' : 's'} left${last}: one of them signs the caller in.` : `No recovery codes left${last}.`,
      evidence: [`recovery codes left ${left}`, ...used.slice(0, 3).map((e) => `${e.at} recovery code used`)],
    };
  },
};

export const runbook: Runbook = {
  id: 'lost-phone',
  title: 'Lost the phone or authenticator app',
  group: 'two-factor',
  phrases: [
    'lost my phone',
    'lost my authenticator',
    'new phone and the authenticator app is empty',
    'deleted the authenticator app',
    'cannot get the two-factor code anymore',
    'phone was stolen',
    'remove two-factor authentication',
    'I changed my phone number',
    'the codes go to my old phone number',
    'new phone number and no text message code',
  ],
  questions: [EMAIL_QUESTION],
  checks: [twoFactorCheck, recoveryCheck, smsDeliveryCheck, callerRoleCheck],
  async conclude(context, findings) {
    const { answers, facts } = context;
    const email = answers.email!;
    if (finding(findings, 'two-factor')?.evidence[0] === 'no account') {
      return { explain: `No account has ${email}.`, tell: 'We have no account under that address. Please check the spelling, or tell me the address you sign in with.', fixes: [] };
    }
    const mfa = (await facts.mfa(email))!;
    const { role } = await facts.whoAmI();
    if (!mfa.enrolled) {
      return {
        explain: `The account has no 2FA${mfa.pendingEnrollment ? `; a setup link waits until ${formatUtc(mfa.pendingEnrollment.expiresAt)}` : ''}: there is nothing to remove.`,
        tell: 'Your account does not have two-factor authentication set up, so you do not need the old phone to sign in. If you are asked to set it up, I can email you a new setup link to scan with the app on your new phone.',
        fixes: role === 'viewer' ? [] : [newEnrollmentFix(email)],
      };
    }
    if (mfa.methods.sms && !mfa.methods.app) return phoneNumberOutcome(context, mfa, mfa.methods.sms.maskedPhone, role);
    const recovery =
      mfa.recoveryCodesLeft > 0
        ? `If you saved the recovery codes you were shown when you set up two-factor authentication, type one of them instead of the app code: each works once, and you have ${mfa.recoveryCodesLeft} left. `
        : '';
    const reset: Fix = { label: 'Email a password reset (it replaces 2FA with a new setup)', argv: ['password', 'reset', email, '--send'] };
    if (role === 'admin') {
      return {
        explain: `${recovery ? `The caller has ${mfa.recoveryCodesLeft} recovery codes; if they kept them, one signs them in. ` : ''}Otherwise remove 2FA after the identity check: email the person a code, record the code they read back, then remove 2FA with that check as evidence (within 30 minutes). A password reset also works and needs no admin.`,
        tell: `${recovery}If you do not have them, I will confirm it is you first: I am emailing you a six-digit code; please read it back to me. Once it matches, I will turn off two-factor authentication so you can sign in with your password, and you can set it up again on your new phone.`,
        fixes: [...identityResetFixes(email), reset],
      };
    }
    if (role === 'agent') {
      return {
        explain: `${recovery ? `The caller has ${mfa.recoveryCodesLeft} recovery codes; if they kept them, one signs them in. ` : ''}Otherwise start a password reset: finishing it replaces 2FA with a new setup the person scans with their new phone. Removing 2FA without a reset needs an admin.`,
        tell: `${recovery}If you do not have them, I am sending you an email to choose a new password. After you set it, you will see a new QR code: scan it with the authenticator app on your new phone, and delete the old entry if it is still there.`,
        fixes: [reset],
        escalate: 'If the caller cannot receive the email either, an admin can remove 2FA after an identity check.',
      };
    }
    return {
      explain: 'Your role can only look: an agent can start a password reset, an admin can remove 2FA after an identity check.',
      tell: `${recovery}Otherwise I am passing you to a colleague who can reset your two-factor setup.`,
      fixes: [],
      escalate: 'Hand the call to an agent (password reset) or an admin (identity check and 2FA removal).',
    };
  },
};

/** The event site's account page, where a signed-in person changes their phone. */
async function accountPage({ answers, facts }: CheckContext): Promise<string | null> {
  const user = await facts.user(answers.email!);
  const slug = answers.event ?? user?.registrations[0]?.eventSlug;
  if (!slug) return null;
  const event = await facts.event(slug);
  return event ? event.registrationUrl.replace(/\/register$/, '/account') : `/e/${slug}/account`;
}

/**
 * Codes come by text: a caller with a new number (or no phone) signs in with the old
 * number or a recovery code and changes the phone on the account page; without either,
 * an admin removes 2FA after the identity check.
 */
async function phoneNumberOutcome(context: CheckContext, mfa: MfaStatus, maskedPhone: string, role: string): Promise<Outcome> {
  const email = context.answers.email!;
  const page = (await accountPage(context)) ?? 'the account page of your event site';
  const ending = phoneEnding(maskedPhone);
  const recovery = mfa.recoveryCodesLeft > 0 ? `, or type one of your recovery codes instead of the texted code (you have ${mfa.recoveryCodesLeft} left)` : '';
  const selfService =
    `Your codes go by text to the number ending in ${ending}. If you can still receive texts on that number, sign in with the code as usual${recovery}. ` +
    `Once you are in, open ${page} and change the phone number there: we text the new number a code to confirm it, and from then on codes go there.`;
  const why = `Codes go by text to ${maskedPhone}. With the old number or a recovery code (${mfa.recoveryCodesLeft} left) the caller signs in and changes the phone on the account page (${page}).`;
  if (role === 'admin') {
    return {
      explain: `${why} Without either, remove 2FA after the identity check (email a code, record the code read back, then reset within 30 minutes); they then set it up again with the new number.`,
      tell: `${selfService} If you cannot do either, I will confirm it is you first: I am emailing you a six-digit code; please read it back to me. Then I will turn off two-factor authentication so you can sign in and set it up again with your new number.`,
      fixes: identityResetFixes(email),
    };
  }
  return {
    explain: `${why} Without either, an admin removes 2FA after an identity check (t1 mfa reset).`,
    tell: `${selfService} If you cannot do either, I am passing you to a colleague who can confirm your identity and reset your two-factor setup.`,
    fixes: [],
    escalate: 'The caller has neither the old number nor a recovery code: an admin removes 2FA after an identity check (t1 identity send-code, t1 identity check, t1 mfa reset --identity-check).',
  };
}
