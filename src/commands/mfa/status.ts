// t1 mfa status <email>: whether the person uses 2FA and since when, each method (the
// authenticator app; text messages to a number shown masked), recovery codes left, and
// what is pending: an enrollment link not used yet, a phone whose code was not entered.
import type { MfaStatus } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc, yesNo } from '../../cli/render/format.ts';

export interface Options {
  email: string;
}

export type View = MfaStatus;

export async function run(options: Options, deps: Deps): Promise<View> {
  return (await deps.client()).mfaStatus(options.email);
}

export function render(view: View, out: Output): void {
  const { app, sms } = view.methods;
  const smsAllowed = view.allowedMethods.includes('sms');
  out.record([
    ['Person', view.email],
    ['2FA', view.enrolled ? `enrolled ${formatUtc(view.enrolledAt)}` : 'not enrolled'],
    ['Authenticator app', app ? `on since ${formatUtc(app.enrolledAt)}` : 'off'],
    ['Text messages (SMS)', sms ? `${sms.maskedPhone}, confirmed ${formatUtc(sms.confirmedAt)}` : smsAllowed ? 'off' : 'off (not allowed by the organisation)'],
    ['Recovery codes left', view.enrolled ? String(view.recoveryCodesLeft) : '-'],
    ['Required by organisation', yesNo(view.requiredByOrganisation)],
    [
      'Pending enrollment',
      view.pendingEnrollment ? `link created ${formatUtc(view.pendingEnrollment.createdAt)}, expires ${formatUtc(view.pendingEnrollment.expiresAt)}` : 'none',
    ],
    ['Pending phone', view.pending.sms ? `${view.pending.sms.maskedPhone}, code expires ${formatUtc(view.pending.sms.expiresAt)}` : 'none'],
  ]);
  // A pointer for the agent at a terminal; scripts get the data alone.
  if (out.tty) out.hint(`Next: ${nextStep(view)}`);
}

/** What an agent does next with this 2FA state. */
function nextStep(view: View): string {
  if (view.enrolled && view.recoveryCodesLeft === 0) {
    return `no recovery codes are left; if the phone is lost, start a reset that replaces 2FA: t1 password reset ${view.email} --send (or t1 troubleshoot lost-phone)`;
  }
  if (view.enrolled && view.recoveryCodesLeft <= 2) return `few recovery codes left: a new enrollment issues ten fresh ones: t1 mfa qr ${view.email} --send`;
  if (view.methods.sms && !view.methods.app) return `codes go by text message to ${view.methods.sms.maskedPhone}; if none arrive, see t1 troubleshoot switch-account-asks-code`;
  if (view.enrolled) return `a caller who lost their phone can sign in with a recovery code; see t1 troubleshoot lost-phone`;
  if (view.pending.sms) return `the person still has to enter the code sent to ${view.pending.sms.maskedPhone} on their account page; it expires ${formatUtc(view.pending.sms.expiresAt)}`;
  if (view.pendingEnrollment) return `the person still has to open the enrollment link; if it is lost, send a new one: t1 mfa qr ${view.email} --send`;
  if (view.requiredByOrganisation) return `the organisation requires 2FA: the person enrolls at their next sign-in, or send the link now: t1 mfa qr ${view.email} --send`;
  return 'nothing to do: 2FA is optional for this person';
}
