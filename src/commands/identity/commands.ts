// t1 identity send-code|check: the definitions; each verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, supportFlags, withSupportFlags, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const identity = program
    .command('identity')
    .description("check a caller's identity with a one-time code emailed to them (before removing 2FA)")
    .addHelpText('after', examples('t1 identity send-code hiroshi.tanaka@contoso.example', 't1 identity check hiroshi.tanaka@contoso.example 418207'));
  withSupportFlags(
    identity
      .command('send-code')
      .description('email the person a one-time code (10 minutes, 5 tries) to read back to you')
      .argument('<email>', "the person's email"),
  )
    .addHelpText('after', examples('t1 identity send-code hiroshi.tanaka@contoso.example --ticket SUP-1234'))
    .action(action(() => import('./send-code.ts'), ([email], o) => ({ email, ...supportFlags(o) })));
  withSupportFlags(
    identity
      .command('check')
      .description('record the code the person read back; "t1 mfa reset --identity-check" then accepts it for 30 minutes')
      .argument('<email>', "the person's email")
      .argument('<code>', 'the code the person read from the email'),
  )
    .addHelpText('after', examples('t1 identity check hiroshi.tanaka@contoso.example 418207 --ticket SUP-1234'))
    .action(action(() => import('./check.ts'), ([email, code], o) => ({ email, code, ...supportFlags(o) })));
}
