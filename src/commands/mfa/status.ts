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
  if (view.enrolled && view.recoveryCodesLeft <= 2) {
    out.hint('Few recovery codes left: a new enrollment (t1 mfa qr) issues ten fresh ones.');
  }
}
