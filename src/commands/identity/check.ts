// t1 identity check <email> <code>: records the code the person read back from their
// email. A right code counts as identity evidence for "t1 mfa reset --identity-check"
// for 30 minutes; a wrong one is refused (exit 1) with the tries left, and after 5
// wrong tries the code no longer works.
import type { IdentityCheckResult } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc } from '../../cli/render/format.ts';
import { actionContext, newIdempotencyKey, type ActionFlags } from '../support.ts';

export interface Options extends ActionFlags {
  email: string;
  code: string;
}

export type View = IdentityCheckResult;

export async function run(options: Options, deps: Deps): Promise<View> {
  const code = options.code.replace(/[\s-]/g, '');
  if (!/^\d{4,12}$/.test(code)) throw usageError(`"${options.code}" is not a code: the emailed code is 6 digits.`);
  // Checking a code changes nothing of the person's account, so it asks no confirmation;
  // it is recorded in the audit log like every support action.
  return (await deps.client()).checkIdentityCode(options.email, { code, ...actionContext(options) }, newIdempotencyKey());
}

export function render(view: View, out: Output): void {
  out.line(`The code is right: ${view.email} has access to their mailbox.`);
  if (view.validUntil) out.notice(`"t1 mfa reset ${view.email} --identity-check" accepts this check until ${formatUtc(view.validUntil)}.`);
}
