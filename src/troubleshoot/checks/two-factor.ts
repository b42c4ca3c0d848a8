// Two-factor state of a person, from `mfa status`: set up or not (and since when, with
// which methods: the app, text messages to a masked number), recovery codes left, an
// enrollment link waiting to be used, and whether the organisation requires 2FA. Also
// what the timeline says about 2FA lately (a password reset that replaced it, an admin
// who removed it, wrong codes at sign-in), and the role of whoever runs the topic, for
// the fixes only an admin may run.
import type { MfaStatus, TimelineEntry } from '../../contract/schemas.ts';
import { formatUtc } from '../../cli/render/format.ts';
import type { Check, CheckContext, Fix } from '../runbook.ts';

export const twoFactorCheck: Check = {
  id: 'two-factor',
  title: 'Two-factor authentication of the account',
  async run({ answers, facts }) {
    const email = answers.email!;
    if (!(await facts.user(email))) return { check: 'two-factor', verdict: 'fail', summary: `No account has ${email}.`, evidence: ['no account'] };
    const mfa = (await facts.mfa(email))!;
    const evidence = mfaEvidence(mfa);
    if (mfa.enrolled) {
      const codes = mfa.recoveryCodesLeft;
      return {
        check: 'two-factor',
        verdict: 'ok',
        summary: `2FA is set up since ${formatUtc(mfa.enrolledAt)}${methodWords(mfa)}; ${codes} recovery code${codes === 1 ? '' : 's'} left${mfa.pendingEnrollment ? `; a new enrollment link waits until ${formatUtc(mfa.pendingEnrollment.expiresAt)}` : ''}.`,
        evidence,
      };
    }
    if (mfa.pendingEnrollment) {
      return { check: 'two-factor', verdict: 'warn', summary: `2FA is not set up yet: an enrollment link works until ${formatUtc(mfa.pendingEnrollment.expiresAt)}.`, evidence };
    }
    return {
      check: 'two-factor',
      verdict: mfa.requiredByOrganisation ? 'fail' : 'warn',
      summary: `2FA is not set up and no enrollment link is waiting${mfa.requiredByOrganisation ? ' (the organisation requires 2FA)' : ''}.`,
      evidence,
    };
  },
};

/** " (codes by text to +44 •••• 123)", when the codes come by SMS. */
function methodWords(mfa: MfaStatus): string {
  const sms = mfa.methods.sms;
  if (!sms) return '';
  return mfa.methods.app ? ` (authenticator app, and codes by text to ${sms.maskedPhone})` : ` (codes by text to ${sms.maskedPhone})`;
}

function mfaEvidence(mfa: MfaStatus): string[] {
  return [
    `enrolled ${mfa.enrolled ? (mfa.enrolledAt ?? 'yes') : 'no'}`,
    `methods ${[mfa.methods.app ? 'app' : '', mfa.methods.sms ? `sms ${mfa.methods.sms.maskedPhone}` : ''].filter(Boolean).join(', ') || 'none'}`,
    `recovery codes left ${mfa.recoveryCodesLeft}`,
    `required by organisation ${mfa.requiredByOrganisation ? 'yes' : 'no'}`,
    `pending enrollment ${mfa.pendingEnrollment ? `until ${mfa.pendingEnrollment.expiresAt}` : 'none'}`,
  ];
}

/** 2FA removals of the timeline, newest first: by a password reset (detail.cause) or by an admin (audit mfa.reset). */
export async function mfaRemovals(context: CheckContext): Promise<TimelineEntry[]> {
  return (await context.facts.timeline(context.answers.email!)).filter((e) => e.kind === 'mfa.removed' || (e.kind === 'agent.mfa.reset' && String(e.outcome) === 'ok'));
}

export const CODE_REASONS = ['code_wrong', 'code_replayed', 'challenge_expired'];

/** Sign-ins that stopped at the code step, newest first. */
export async function codeFailures(context: CheckContext): Promise<TimelineEntry[]> {
  return (await context.facts.timeline(context.answers.email!)).filter((e) => e.kind === 'sign_in.failed' && CODE_REASONS.includes(e.reason ?? ''));
}

/** Whoever runs the topic: a finding naming their role, so the fixes on offer make sense. */
export const callerRoleCheck: Check = {
  id: 'your-role',
  title: 'What you may do (your role)',
  async run({ facts }) {
    const me = await facts.whoAmI();
    const who = me.staff?.email ?? me.tokenName ?? 'this token';
    const can =
      me.role === 'admin'
        ? 'you can remove 2FA after an identity check'
        : me.role === 'agent'
          ? 'you can start a password reset; removing 2FA needs an admin'
          : 'you can look but not act; hand the call to an agent';
    return { check: 'your-role', verdict: me.role === 'viewer' ? 'warn' : 'ok', summary: `Signed in as ${who} (${me.role}): ${can}.`, evidence: [`role ${me.role}`] };
  },
};

export const newEnrollmentFix = (email: string): Fix => ({ label: 'Email a new 2FA setup link (24 hours)', argv: ['mfa', 'qr', email, '--send'] });

/** An admin's way to remove 2FA for a caller who cannot receive a code: the emailed identity code, read back, as evidence. */
export const identityResetFixes = (email: string): Fix[] => [
  { label: 'Email the caller an identity code', argv: ['identity', 'send-code', email] },
  { label: 'Check the code the caller reads back', argv: ['identity', 'check', email, '{ask:code}'] },
  { label: 'Remove 2FA (evidence: the identity check)', argv: ['mfa', 'reset', email, '--identity-check'] },
];

/** The digits a masked number still shows at its end ("+44 •••• ••• 123" -> "123"). */
export function phoneEnding(maskedPhone: string): string {
  return /(\d+)\D*$/.exec(maskedPhone)?.[1] ?? maskedPhone;
}
