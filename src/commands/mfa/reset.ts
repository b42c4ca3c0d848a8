// t1 mfa reset <email> (admin): removes a person's 2FA after verifying who they are,
// by the organisation's identity checklist asked here, --verified-by METHOD, or
// --identity-check (a code the person read back with "t1 identity check" in the last 30
// minutes). The person is emailed that 2FA was removed.
import type { MfaResetResult } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { actionContext, confirmAction, describeEmail, newIdempotencyKey, type ActionFlags } from '../support.ts';

export interface Options extends ActionFlags {
  email: string;
  verifiedBy?: string;
  identityCheck?: boolean;
}

export type View = MfaResetResult;

export async function run(options: Options, deps: Deps): Promise<View> {
  const client = await deps.client();
  if (options.identityCheck && options.verifiedBy) throw usageError('Choose one of --identity-check and --verified-by.');
  if (options.identityCheck) {
    await confirmAction(deps, options, `Remove 2FA from ${options.email} on the strength of the code they read back? Their authenticator and recovery codes stop working.`);
    return client.resetMfa(options.email, { identityCheck: true, ...actionContext(options) }, newIdempotencyKey());
  }
  let checklist: { question: string; confirmed: boolean }[] | undefined;
  if (!options.verifiedBy) {
    if (!deps.output.settings.interactive) {
      throw usageError(
        'Say how the identity was verified with --verified-by METHOD (prompting is off).',
        'Or email the person a code ("t1 identity send-code"), record it ("t1 identity check") and pass --identity-check.',
      );
    }
    const { questions } = await client.identityChecklist();
    if (questions.length === 0) throw usageError('The organisation has no identity checklist; pass --verified-by METHOD.');
    deps.output.notice(`Verify the caller's identity before removing 2FA for ${options.email}:`);
    checklist = [];
    for (const question of questions) {
      const confirmed = await deps.prompter().confirm(question, 'pass --verified-by METHOD');
      checklist.push({ question, confirmed });
      // One failed check ends it; the platform still records the refusal.
      if (!confirmed) return client.resetMfa(options.email, { checklist, ...actionContext(options) }, newIdempotencyKey());
    }
  }
  await confirmAction(deps, options, `Remove 2FA from ${options.email}? Their authenticator and recovery codes stop working.`);
  return client.resetMfa(options.email, { verifiedBy: options.verifiedBy, checklist, ...actionContext(options) }, newIdempotencyKey());
}

export function render(view: View, out: Output): void {
  out.line(view.removed ? `Removed 2FA from ${view.email}.` : `${view.email} had no 2FA enrolled; nothing was removed.`);
  if (view.notification) out.line(describeEmail(view.notification));
}
