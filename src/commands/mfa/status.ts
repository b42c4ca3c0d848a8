// t1 mfa status <email>: whether the person uses 2FA, since when, recovery codes left,
// and any enrollment link still waiting to be used.
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
  out.record([
    ['Person', view.email],
    ['2FA', view.enrolled ? `enrolled ${formatUtc(view.enrolledAt)}` : 'not enrolled'],
    ['Recovery codes left', view.enrolled ? String(view.recoveryCodesLeft) : '-'],
    ['Required by organisation', yesNo(view.requiredByOrganisation)],
    [
      'Pending enrollment',
      view.pendingEnrollment ? `link created ${formatUtc(view.pendingEnrollment.createdAt)}, expires ${formatUtc(view.pendingEnrollment.expiresAt)}` : 'none',
    ],
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
  if (view.enrolled) return `a caller who lost their phone can sign in with a recovery code; see t1 troubleshoot lost-phone`;
  if (view.pendingEnrollment) return `the person still has to open the enrollment link; if it is lost, send a new one: t1 mfa qr ${view.email} --send`;
  if (view.requiredByOrganisation) return `the organisation requires 2FA: the person enrolls at their next sign-in, or send the link now: t1 mfa qr ${view.email} --send`;
  return 'nothing to do: 2FA is optional for this person';
}
