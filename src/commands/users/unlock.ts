// t1 users unlock <email>: clears a sign-in lock left by repeated failed attempts.
import type { UnlockResult } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { actionContext, confirmAction, newIdempotencyKey, type ActionFlags } from '../support.ts';

export interface Options extends ActionFlags {
  email: string;
}

export type View = UnlockResult;

export async function run(options: Options, deps: Deps): Promise<View> {
  await confirmAction(deps, options, `Clear the sign-in lock of ${options.email}?`);
  return (await deps.client()).unlockUser(options.email, actionContext(options), newIdempotencyKey());
}

export function render(view: View, out: Output): void {
  out.line(view.wasLocked ? `Unlocked ${view.email}; they can sign in again.` : `${view.email} was not locked; failed attempts reset.`);
}
